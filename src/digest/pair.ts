import { categoryKey, type Tool } from '../catalog/schema.ts';
import { similarity, similarityIndex } from './similarity.ts';
import { compareRank } from './verdict.ts';

/** The comparisons of an issue: `left` is always a new tool; `right` a new tool, an earlier tool, or null (listed alone). */
export type Pairing = { left: Tool; right: Tool | null }[];

/** The order-independent key of a pair of slugs, as recorded for pairs sent in earlier issues. */
export function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

const bySlug = (a: Tool, b: Tool) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0);

/**
 * The best-match pairing of a week's new tools: every new tool in exactly one comparison, maximizing
 * first the same-category pairs, then the pairs not sent before, then the total similarity. Exact
 * (a maximum-weight matching) and independent of input order. With an odd count, the tool the optimum
 * leaves over is compared last with an earlier tool (see `oddToolMatch`).
 */
export function bestMatch(newTools: Tool[], earlierTools: Tool[], sentPairs: ReadonlySet<string>): Pairing {
  const tools = [...newTools].sort(bySlug);
  const mate = matchNewTools(tools, sentPairs);
  const pairing: Pairing = [];
  let odd: Tool | undefined;
  tools.forEach((tool, i) => {
    if (mate[i] === -1) odd = tool;
    else if (i < mate[i]!) pairing.push({ left: tool, right: tools[mate[i]!]! });
  });
  if (odd) pairing.push({ left: odd, right: oddToolMatch(odd, earlierTools) });
  return pairing;
}

/**
 * The partner of a new tool left over: the most similar earlier tool of its category (slug on a tie),
 * else the best-ranked earlier tool (as the comparison pick ranks, then slug), else null.
 */
export function oddToolMatch(tool: Tool, earlierTools: Tool[]): Tool | null {
  const sorted = [...earlierTools].sort(bySlug);
  const category = categoryKey(tool.category);
  let best: Tool | null = null;
  let bestScore = -1;
  for (const other of sorted) {
    if (categoryKey(other.category) !== category) continue;
    const score = similarity(tool, other);
    if (score > bestScore) [best, bestScore] = [other, score];
  }
  return best ?? sorted.reduce<Tool | null>((top, t) => (top === null || compareRank(t, top) < 0 ? t : top), null);
}

/**
 * One tool compared with each other new tool, as `right` of every comparison. The spotlight is
 * `spotlightSlug` (a new or an earlier tool), else the new tool with the most community votes, then
 * the best panel, then slug. Without another new tool to compare with, falls back to `bestMatch`.
 */
export function spotlight(newTools: Tool[], earlierTools: Tool[], sentPairs: ReadonlySet<string>, spotlightSlug?: string): Pairing {
  const tools = [...newTools].sort(bySlug);
  const star = spotlightSlug === undefined
    ? tools.reduce<Tool | undefined>((top, t) => (top === undefined || outshines(t, top) ? t : top), undefined)
    : tools.find((t) => t.slug === spotlightSlug) ?? earlierTools.find((t) => t.slug === spotlightSlug);
  if (spotlightSlug !== undefined && !star) throw new Error(`Spotlight tool "${spotlightSlug}" is not in the catalog.`);
  const others = tools.filter((t) => t !== star);
  if (!star || others.length === 0) return bestMatch(newTools, earlierTools, sentPairs);
  return others.map((left) => ({ left, right: star }));
}

function votes(tool: Tool): number {
  return (tool.community?.ship ?? 0) + (tool.community?.skip ?? 0);
}

/** Whether `a` is the better default spotlight; callers go in slug order, so a full tie keeps the earlier. */
function outshines(a: Tool, b: Tool): boolean {
  if (votes(a) !== votes(b)) return votes(a) > votes(b);
  return compareRank(a, b) < 0;
}

/**
 * Partners of the (slug-sorted) new tools by index, -1 for the one left over. Every category can keep
 * floor(n/2) of its tools in same-category pairs, so an even category is paired on its own, and only the
 * odd categories, each giving up one tool to a cross-category pair, have to be matched together.
 */
function matchNewTools(tools: Tool[], sentPairs: ReadonlySet<string>): Int32Array {
  const n = tools.length;
  const mate = new Int32Array(n).fill(-1);
  const index = new Map(tools.map((t, i) => [t.slug, i]));
  const sent = new Set<number>();
  for (const key of sentPairs) {
    const [a, b] = key.split('|').map((slug) => index.get(slug ?? ''));
    if (a !== undefined && b !== undefined) sent.add(Math.min(a, b) * n + Math.max(a, b));
  }
  const category = tools.map((t) => categoryKey(t.category));
  const groups = new Map<string, number[]>();
  category.forEach((key, i) => {
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  });
  const sim = similarityIndex(tools);
  // Integer weights that rank matchings lexicographically (same-category pairs, then unsent pairs,
  // then similarity): each unit outweighs any total the units below it can reach.
  const pairs = Math.floor(n / 2);
  const unsentUnit = 1000 * pairs + 1;
  const categoryUnit = (unsentUnit + 1000) * pairs + 1;
  if (!Number.isSafeInteger(4 * pairs * (categoryUnit + unsentUnit + 1000))) throw new Error(`Too many new tools to pair exactly: ${n}.`);
  const weight = (i: number, j: number) =>
    (category[i] === category[j] ? categoryUnit : 0) + (sent.has(i * n + j) ? 0 : unsentUnit) + sim(i, j);
  const even = [...groups.values()].filter((g) => g.length % 2 === 0);
  const odd = [...groups.values()].filter((g) => g.length % 2 === 1).flat().sort((a, b) => a - b);
  for (const group of [...even, odd]) {
    const local = maxWeightMatching(group.length, (a, b) => weight(group[a]!, group[b]!));
    local.forEach((m, a) => {
      if (m !== -1) mate[group[a]!] = group[m]!;
    });
  }
  return mate;
}

/**
 * Maximum-weight matching among the maximum-cardinality matchings of the complete graph on `n`
 * vertices with integer edge weights `weight(i, j)` (i < j). Returns each vertex's partner or -1.
 * A port of Joris van Rantwijk's mwmatching.py (Edmonds' blossom algorithm, primal-dual, O(n³));
 * names follow it: endpoints 2k and 2k+1 belong to edge k, blossoms are numbered n..2n-1, and
 * dual variables are doubled so that everything stays integral.
 */
export function maxWeightMatching(n: number, weight: (i: number, j: number) => number): Int32Array {
  const nedge = (n * (n - 1)) / 2;
  const endpoint = new Int32Array(2 * nedge);
  const wt = new Float64Array(nedge);
  const neighbStart = new Int32Array(n + 1);
  const neighbend = new Int32Array(2 * nedge);
  {
    let k = 0;
    for (let i = 0; i < n; i++) {
      neighbStart[i + 1] = neighbStart[i]! + n - 1;
      for (let j = i + 1; j < n; j++, k++) {
        endpoint[2 * k] = i;
        endpoint[2 * k + 1] = j;
        wt[k] = weight(i, j);
      }
    }
    const fill = neighbStart.slice(0, n);
    for (let k = 0; k < nedge; k++) {
      neighbend[fill[endpoint[2 * k]!]!++] = 2 * k + 1;
      neighbend[fill[endpoint[2 * k + 1]!]!++] = 2 * k;
    }
  }
  let maxweight = 0;
  for (let k = 0; k < nedge; k++) maxweight = Math.max(maxweight, wt[k]!);

  const mate = new Int32Array(n).fill(-1);
  const label = new Int8Array(2 * n);
  const labelend = new Int32Array(2 * n).fill(-1);
  const inblossom = Int32Array.from({ length: n }, (_, v) => v);
  const blossomparent = new Int32Array(2 * n).fill(-1);
  const blossomchilds: number[][] = Array.from({ length: 2 * n }, () => []);
  const blossombase = Int32Array.from({ length: 2 * n }, (_, b) => (b < n ? b : -1));
  const blossomendps: number[][] = Array.from({ length: 2 * n }, () => []);
  const bestedge = new Int32Array(2 * n).fill(-1);
  const blossombestedges: (number[] | null)[] = new Array(2 * n).fill(null);
  const unusedblossoms = Array.from({ length: n }, (_, i) => n + i);
  const dualvar = Float64Array.from({ length: 2 * n }, (_, v) => (v < n ? maxweight : 0));
  const allowedge = new Uint8Array(nedge);
  let queue: number[] = [];

  const slack = (k: number) => dualvar[endpoint[2 * k]!]! + dualvar[endpoint[2 * k + 1]!]! - 2 * wt[k]!;

  const blossomLeaves = (b: number, out: number[] = []): number[] => {
    if (b < n) out.push(b);
    else for (const t of blossomchilds[b]!) blossomLeaves(t, out);
    return out;
  };

  const assignLabel = (w: number, t: number, p: number): void => {
    const b = inblossom[w]!;
    label[w] = label[b] = t;
    labelend[w] = labelend[b] = p;
    bestedge[w] = bestedge[b] = -1;
    if (t === 1) {
      blossomLeaves(b, queue);
    } else {
      const base = blossombase[b]!;
      assignLabel(endpoint[mate[base]!]!, 1, mate[base]! ^ 1);
    }
  };

  // Trace back from v and w to find a new blossom's base vertex, or -1 for an augmenting path.
  const scanBlossom = (v: number, w: number): number => {
    const path: number[] = [];
    let base = -1;
    while (v !== -1 || w !== -1) {
      let b = inblossom[v]!;
      if (label[b]! & 4) {
        base = blossombase[b]!;
        break;
      }
      path.push(b);
      label[b] = 5;
      if (labelend[b] === -1) {
        v = -1;
      } else {
        v = endpoint[labelend[b]!]!;
        b = inblossom[v]!;
        v = endpoint[labelend[b]!]!;
      }
      if (w !== -1) [v, w] = [w, v];
    }
    for (const b of path) label[b] = 1;
    return base;
  };

  const addBlossom = (base: number, k: number): void => {
    let v = endpoint[2 * k]!;
    let w = endpoint[2 * k + 1]!;
    const bb = inblossom[base]!;
    let bv = inblossom[v]!;
    let bw = inblossom[w]!;
    const b = unusedblossoms.pop()!;
    blossombase[b] = base;
    blossomparent[b] = -1;
    blossomparent[bb] = b;
    const path: number[] = [];
    const endps: number[] = [];
    while (bv !== bb) {
      blossomparent[bv] = b;
      path.push(bv);
      endps.push(labelend[bv]!);
      v = endpoint[labelend[bv]!]!;
      bv = inblossom[v]!;
    }
    path.push(bb);
    path.reverse();
    endps.reverse();
    endps.push(2 * k);
    while (bw !== bb) {
      blossomparent[bw] = b;
      path.push(bw);
      endps.push(labelend[bw]! ^ 1);
      w = endpoint[labelend[bw]!]!;
      bw = inblossom[w]!;
    }
    blossomchilds[b] = path;
    blossomendps[b] = endps;
    label[b] = 1;
    labelend[b] = labelend[bb]!;
    dualvar[b] = 0;
    for (const leaf of blossomLeaves(b)) {
      if (label[inblossom[leaf]!] === 2) queue.push(leaf);
      inblossom[leaf] = b;
    }
    const bestedgeto = new Int32Array(2 * n).fill(-1);
    for (const sub of path) {
      const edges = blossombestedges[sub] ?? blossomLeaves(sub).flatMap((leaf) =>
        Array.from(neighbend.subarray(neighbStart[leaf]!, neighbStart[leaf + 1]!), (p) => p >> 1));
      for (const e of edges) {
        let j = endpoint[2 * e + 1]!;
        if (inblossom[j] === b) j = endpoint[2 * e]!;
        const bj = inblossom[j]!;
        if (bj !== b && label[bj] === 1 && (bestedgeto[bj] === -1 || slack(e) < slack(bestedgeto[bj]!))) bestedgeto[bj] = e;
      }
      blossombestedges[sub] = null;
      bestedge[sub] = -1;
    }
    const best = Array.from(bestedgeto).filter((e) => e !== -1);
    blossombestedges[b] = best;
    bestedge[b] = -1;
    for (const e of best) if (bestedge[b] === -1 || slack(e) < slack(bestedge[b]!)) bestedge[b] = e;
  };

  const expandBlossom = (b: number, endstage: boolean): void => {
    const childs = blossomchilds[b]!;
    const endps = blossomendps[b]!;
    for (const s of childs) {
      blossomparent[s] = -1;
      if (s < n) inblossom[s] = s;
      else if (endstage && dualvar[s] === 0) expandBlossom(s, endstage);
      else for (const leaf of blossomLeaves(s)) inblossom[leaf] = s;
    }
    if (!endstage && label[b] === 2) {
      // Relabel the sub-blossoms of an expanding T-blossom from where it got its label to the base.
      const entrychild = inblossom[endpoint[labelend[b]! ^ 1]!]!;
      let j = childs.indexOf(entrychild);
      let jstep: number;
      let endptrick: number;
      if (j & 1) {
        j -= childs.length;
        jstep = 1;
        endptrick = 0;
      } else {
        jstep = -1;
        endptrick = 1;
      }
      const at = (i: number) => (i < 0 ? i + childs.length : i);
      let p = labelend[b]!;
      while (j !== 0) {
        label[endpoint[p ^ 1]!] = 0;
        label[endpoint[endps[at(j - endptrick)]! ^ endptrick ^ 1]!] = 0;
        assignLabel(endpoint[p ^ 1]!, 2, p);
        allowedge[endps[at(j - endptrick)]! >> 1] = 1;
        j += jstep;
        p = endps[at(j - endptrick)]! ^ endptrick;
        allowedge[p >> 1] = 1;
        j += jstep;
      }
      const bv = childs[at(j)]!;
      label[endpoint[p ^ 1]!] = label[bv] = 2;
      labelend[endpoint[p ^ 1]!] = labelend[bv] = p;
      bestedge[bv] = -1;
      j += jstep;
      while (childs[at(j)] !== entrychild) {
        const sub = childs[at(j)]!;
        j += jstep;
        if (label[sub] === 1) continue;
        const reached = blossomLeaves(sub).find((leaf) => label[leaf] !== 0);
        if (reached !== undefined) {
          label[reached] = 0;
          label[endpoint[mate[blossombase[sub]!]!]!] = 0;
          assignLabel(reached, 2, labelend[reached]!);
        }
      }
    }
    label[b] = labelend[b] = -1;
    blossomchilds[b] = [];
    blossomendps[b] = [];
    blossombase[b] = -1;
    blossombestedges[b] = null;
    bestedge[b] = -1;
    unusedblossoms.push(b);
  };

  // Swap matched and unmatched edges along the path through blossom b from vertex v to its base.
  const augmentBlossom = (b: number, v: number): void => {
    let t = v;
    while (blossomparent[t] !== b) t = blossomparent[t]!;
    if (t >= n) augmentBlossom(t, v);
    const childs = blossomchilds[b]!;
    const endps = blossomendps[b]!;
    const i = childs.indexOf(t);
    let j = i;
    let jstep: number;
    let endptrick: number;
    if (i & 1) {
      j -= childs.length;
      jstep = 1;
      endptrick = 0;
    } else {
      jstep = -1;
      endptrick = 1;
    }
    const at = (x: number) => (x < 0 ? x + childs.length : x);
    while (j !== 0) {
      j += jstep;
      t = childs[at(j)]!;
      const p = endps[at(j - endptrick)]! ^ endptrick;
      if (t >= n) augmentBlossom(t, endpoint[p]!);
      j += jstep;
      t = childs[at(j)]!;
      if (t >= n) augmentBlossom(t, endpoint[p ^ 1]!);
      mate[endpoint[p]!] = p ^ 1;
      mate[endpoint[p ^ 1]!] = p;
    }
    blossomchilds[b] = [...childs.slice(i), ...childs.slice(0, i)];
    blossomendps[b] = [...endps.slice(i), ...endps.slice(0, i)];
    blossombase[b] = blossombase[blossomchilds[b]![0]!]!;
  };

  const augmentMatching = (k: number): void => {
    for (let [s, p] of [[endpoint[2 * k]!, 2 * k + 1], [endpoint[2 * k + 1]!, 2 * k]] as [number, number][]) {
      for (;;) {
        const bs = inblossom[s]!;
        if (bs >= n) augmentBlossom(bs, s);
        mate[s] = p;
        if (labelend[bs] === -1) break;
        const t = endpoint[labelend[bs]!]!;
        const bt = inblossom[t]!;
        s = endpoint[labelend[bt]!]!;
        const j = endpoint[labelend[bt]! ^ 1]!;
        if (bt >= n) augmentBlossom(bt, j);
        mate[j] = labelend[bt]!;
        p = labelend[bt]! ^ 1;
      }
    }
  };

  for (let stage = 0; stage < n; stage++) {
    label.fill(0);
    bestedge.fill(-1);
    blossombestedges.fill(null, n);
    allowedge.fill(0);
    queue = [];
    for (let v = 0; v < n; v++) {
      if (mate[v] === -1 && label[inblossom[v]!] === 0) assignLabel(v, 1, -1);
    }

    let augmented = false;
    for (;;) {
      while (queue.length > 0 && !augmented) {
        const v = queue.pop()!;
        for (let x = neighbStart[v]!; x < neighbStart[v + 1]!; x++) {
          const p = neighbend[x]!;
          const k = p >> 1;
          const w = endpoint[p]!;
          if (inblossom[v] === inblossom[w]) continue;
          let kslack = 0;
          if (!allowedge[k]) {
            kslack = slack(k);
            if (kslack <= 0) allowedge[k] = 1;
          }
          if (allowedge[k]) {
            if (label[inblossom[w]!] === 0) {
              assignLabel(w, 2, p ^ 1);
            } else if (label[inblossom[w]!] === 1) {
              const base = scanBlossom(v, w);
              if (base >= 0) {
                addBlossom(base, k);
              } else {
                augmentMatching(k);
                augmented = true;
                break;
              }
            } else if (label[w] === 0) {
              label[w] = 2;
              labelend[w] = p ^ 1;
            }
          } else if (label[inblossom[w]!] === 1) {
            const b = inblossom[v]!;
            if (bestedge[b] === -1 || kslack < slack(bestedge[b]!)) bestedge[b] = k;
          } else if (label[w] === 0) {
            if (bestedge[w] === -1 || kslack < slack(bestedge[w]!)) bestedge[w] = k;
          }
        }
      }
      if (augmented) break;

      // No augmenting path with tight edges: move the duals by the largest safe delta.
      let deltatype = -1;
      let delta = 0;
      let deltaedge = -1;
      let deltablossom = -1;
      for (let v = 0; v < n; v++) {
        if (label[inblossom[v]!] === 0 && bestedge[v] !== -1) {
          const d = slack(bestedge[v]!);
          if (deltatype === -1 || d < delta) [delta, deltatype, deltaedge] = [d, 2, bestedge[v]!];
        }
      }
      for (let b = 0; b < 2 * n; b++) {
        if (blossomparent[b] === -1 && label[b] === 1 && bestedge[b] !== -1) {
          const d = slack(bestedge[b]!) / 2;
          if (deltatype === -1 || d < delta) [delta, deltatype, deltaedge] = [d, 3, bestedge[b]!];
        }
      }
      for (let b = n; b < 2 * n; b++) {
        if (blossombase[b]! >= 0 && blossomparent[b] === -1 && label[b] === 2 && (deltatype === -1 || dualvar[b]! < delta)) {
          [delta, deltatype, deltablossom] = [dualvar[b]!, 4, b];
        }
      }
      if (deltatype === -1) break; // maximum cardinality reached

      for (let v = 0; v < n; v++) {
        const l = label[inblossom[v]!];
        if (l === 1) dualvar[v] = dualvar[v]! - delta;
        else if (l === 2) dualvar[v] = dualvar[v]! + delta;
      }
      for (let b = n; b < 2 * n; b++) {
        if (blossombase[b]! >= 0 && blossomparent[b] === -1) {
          if (label[b] === 1) dualvar[b] = dualvar[b]! + delta;
          else if (label[b] === 2) dualvar[b] = dualvar[b]! - delta;
        }
      }

      if (deltatype === 2) {
        allowedge[deltaedge] = 1;
        const i = endpoint[2 * deltaedge]!;
        queue.push(label[inblossom[i]!] === 0 ? endpoint[2 * deltaedge + 1]! : i);
      } else if (deltatype === 3) {
        allowedge[deltaedge] = 1;
        queue.push(endpoint[2 * deltaedge]!);
      } else {
        expandBlossom(deltablossom, false);
      }
    }
    if (!augmented) break;

    for (let b = n; b < 2 * n; b++) {
      if (blossomparent[b] === -1 && blossombase[b]! >= 0 && label[b] === 1 && dualvar[b] === 0) expandBlossom(b, true);
    }
  }

  return mate.map((p) => (p >= 0 ? endpoint[p]! : -1));
}
