/**
 * Maximum-weight matching on a complete graph: Edmonds' blossom algorithm (primal-dual, O(n³)), ported
 * from Joris van Rantwijk's mwmatching.py. It knows vertices and integer weights, nothing of what they
 * stand for. The names are the original's, so the port can be read against it:
 *
 * - `v`, `w`: vertices 0..n-1. `b`: a blossom, n..2n-1; an index below n is a vertex as a trivial blossom.
 * - `p`, `k` (an endpoint): `p = a * n + b` is the edge {a, b} reached from a, on a dense matrix `W` of
 *   weights. The original's `endpoint[p]`, `p ^ 1` and `p // 2` become `to(p)`, `rev(p)` (the same edge
 *   seen from b) and `p` itself; `flip(p, t)` is `rev(p)` when t is 1.
 * - `mate[v]`: the endpoint of v's matched edge seen from v, or -1; the partner itself once done.
 * - `label[b]`: 0 free, 1 S (outer), 2 T (inner) in the alternating trees; bit 4 marks a blossom
 *   `scanBlossom` has passed. `labelend[b]`: the endpoint b got its label through, -1 for a tree's root.
 * - `inblossom[v]`: the top-level blossom holding v. `blossomparent[b]`: the blossom directly holding b,
 *   -1 at the top. `blossomchilds[b]`: its sub-blossoms around the cycle, from the one holding its base;
 *   `blossomendps[b][i]`: the endpoint joining child i to child i + 1. `blossombase[b]`: its base vertex,
 *   -1 for an index not in use (`unusedblossoms` holds those).
 * - `dualvar`: the dual variables, a vertex's doubled (`2·u(v)`) and a blossom's `z(b)`, so that all
 *   arithmetic stays integral; `slack(p)` is `dualvar[a] + dualvar[b] - 2·W[p]`, zero on a tight edge.
 * - `allowedge[p]`: the edge is tight and may join the trees. `queue`: S-vertices whose edges are to scan.
 * - `bestedge[b]`: the least-slack edge from a free vertex or an S-blossom to another S-blossom;
 *   `blossombestedges[b]`: an S-blossom's least-slack edge to each other S-blossom (null when not kept).
 * - A stage grows the trees until one augmenting path flips; when none is tight it moves the duals by
 *   `delta`, the largest safe step, chosen by `deltatype`: 2 for an edge from an S-vertex to a free one,
 *   3 for an edge between two S-blossoms, 4 for a T-blossom whose dual reaches zero (it is expanded).
 *   The original's type 1 (a free vertex's dual reaching zero) never arises: every vertex is matched.
 */

/**
 * The maximum-weight matching among the maximum-cardinality matchings of the complete graph on `n`
 * vertices, for integer weights `weight(i, j)` (called with i < j): each vertex's partner, or -1 for the
 * one left over when `n` is odd. The weights must stay integers well within `Number.MAX_SAFE_INTEGER`
 * once doubled and summed over a matching.
 */
export function maxWeightMatching(n: number, weight: (i: number, j: number) => number): Int32Array {
  if (n % 2 === 1) {
    // A zero-weight dummy vertex turns the left-over choice into a perfect matching.
    const mate = maxWeightMatching(n + 1, (i, j) => (j === n ? 0 : weight(i, j)));
    return mate.subarray(0, n).map((m) => (m === n ? -1 : m));
  }
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) W[i * n + j] = W[j * n + i] = weight(i, j);

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
  const dualvar = new Float64Array(2 * n);
  const allowedge = new Uint8Array(n * n);
  let queue: number[] = [];

  const from = (p: number) => (p / n) | 0;
  const to = (p: number) => p % n;
  const rev = (p: number) => (p % n) * n + ((p / n) | 0);
  const flip = (p: number, t: number) => (t ? rev(p) : p);
  const slack = (p: number) => dualvar[from(p)]! + dualvar[to(p)]! - 2 * W[p]!;
  const allow = (p: number) => {
    allowedge[p] = allowedge[rev(p)] = 1;
  };

  // Jump start instead of all duals at the top weight: feasible duals, each lowered until one of its
  // edges is tight, and greedy pairs along tight edges, which leaves far fewer stages to run. The duals
  // start even, since the halved slacks between S-vertices stay integral only if all share a parity.
  for (let v = 0; v < n; v++) {
    let max = -Infinity;
    for (let w = 0; w < n; w++) if (w !== v) max = Math.max(max, W[v * n + w]!);
    dualvar[v] = 2 * Math.ceil(max / 2);
  }
  for (let v = 0; v < n; v++) {
    if (mate[v] !== -1) continue;
    let best = -Infinity;
    for (let w = 0; w < n; w++) if (w !== v) best = Math.max(best, 2 * W[v * n + w]! - dualvar[w]!);
    dualvar[v] = best;
    for (let w = 0; w < n; w++) {
      if (w !== v && mate[w] === -1 && 2 * W[v * n + w]! - dualvar[w]! === best) {
        mate[v] = v * n + w;
        mate[w] = w * n + v;
        break;
      }
    }
  }

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
      assignLabel(to(mate[base]!), 1, rev(mate[base]!));
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
        v = to(labelend[b]!);
        b = inblossom[v]!;
        v = to(labelend[b]!);
      }
      if (w !== -1) [v, w] = [w, v];
    }
    for (const b of path) label[b] = 1;
    return base;
  };

  // The edge k connects two S-vertices of the same tree: contract the cycle through `base`.
  const addBlossom = (base: number, k: number): void => {
    const bb = inblossom[base]!;
    let bv = inblossom[from(k)]!;
    let bw = inblossom[to(k)]!;
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
      bv = inblossom[to(labelend[bv]!)]!;
    }
    path.push(bb);
    path.reverse();
    endps.reverse();
    endps.push(rev(k));
    while (bw !== bb) {
      blossomparent[bw] = b;
      path.push(bw);
      endps.push(rev(labelend[bw]!));
      bw = inblossom[to(labelend[bw]!)]!;
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
    // Least-slack edges from b to each other S-blossom, oriented from inside b.
    const bestedgeto = new Int32Array(2 * n).fill(-1);
    const consider = (e: number) => {
      const bj = inblossom[to(e)]!;
      if (bj !== b && label[bj] === 1 && (bestedgeto[bj] === -1 || slack(e) < slack(bestedgeto[bj]!))) bestedgeto[bj] = e;
    };
    for (const sub of path) {
      const known = blossombestedges[sub];
      if (known) known.forEach(consider);
      else for (const leaf of blossomLeaves(sub)) for (let w = 0; w < n; w++) if (w !== leaf) consider(leaf * n + w);
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
      const entrychild = inblossom[from(labelend[b]!)]!;
      let j = childs.indexOf(entrychild);
      const forward = (j & 1) === 1;
      const jstep = forward ? 1 : -1;
      const endptrick = forward ? 0 : 1;
      if (forward) j -= childs.length;
      const at = (i: number) => (i < 0 ? i + childs.length : i);
      let p = labelend[b]!;
      while (j !== 0) {
        label[from(p)] = 0;
        label[from(flip(endps[at(j - endptrick)]!, endptrick))] = 0;
        assignLabel(from(p), 2, p);
        allow(endps[at(j - endptrick)]!);
        j += jstep;
        p = flip(endps[at(j - endptrick)]!, endptrick);
        allow(p);
        j += jstep;
      }
      const bv = childs[at(j)]!;
      label[from(p)] = label[bv] = 2;
      labelend[from(p)] = labelend[bv] = p;
      bestedge[bv] = -1;
      j += jstep;
      while (childs[at(j)] !== entrychild) {
        const sub = childs[at(j)]!;
        j += jstep;
        if (label[sub] === 1) continue;
        const reached = blossomLeaves(sub).find((leaf) => label[leaf] !== 0);
        if (reached !== undefined) {
          label[reached] = 0;
          label[to(mate[blossombase[sub]!]!)] = 0;
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
    const forward = (i & 1) === 1;
    const jstep = forward ? 1 : -1;
    const endptrick = forward ? 0 : 1;
    let j = forward ? i - childs.length : i;
    const at = (x: number) => (x < 0 ? x + childs.length : x);
    while (j !== 0) {
      j += jstep;
      t = childs[at(j)]!;
      const p = flip(endps[at(j - endptrick)]!, endptrick);
      if (t >= n) augmentBlossom(t, to(p));
      j += jstep;
      t = childs[at(j)]!;
      if (t >= n) augmentBlossom(t, from(p));
      mate[to(p)] = rev(p);
      mate[from(p)] = p;
    }
    blossomchilds[b] = [...childs.slice(i), ...childs.slice(0, i)];
    blossomendps[b] = [...endps.slice(i), ...endps.slice(0, i)];
    blossombase[b] = blossombase[blossomchilds[b]![0]!]!;
  };

  const augmentMatching = (k: number): void => {
    for (let [s, p] of [
      [from(k), k],
      [to(k), rev(k)],
    ] as [number, number][]) {
      for (;;) {
        const bs = inblossom[s]!;
        if (bs >= n) augmentBlossom(bs, s);
        mate[s] = p;
        if (labelend[bs] === -1) break;
        const bt = inblossom[to(labelend[bs]!)]!;
        const q = labelend[bt]!;
        s = to(q);
        if (bt >= n) augmentBlossom(bt, from(q));
        mate[from(q)] = q;
        p = rev(q);
      }
    }
  };

  for (;;) {
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
        for (let w = 0; w < n; w++) {
          const bv = inblossom[v]!; // a blossom formed during the scan may take in v
          const bw = inblossom[w]!;
          if (bv === bw) continue;
          const p = v * n + w;
          let kslack = 0;
          if (!allowedge[p]) {
            kslack = dualvar[v]! + dualvar[w]! - 2 * W[p]!;
            if (kslack <= 0) allow(p);
          }
          if (allowedge[p]) {
            if (label[bw] === 0) {
              assignLabel(w, 2, rev(p));
            } else if (label[bw] === 1) {
              const base = scanBlossom(v, w);
              if (base >= 0) {
                addBlossom(base, p);
              } else {
                augmentMatching(p);
                augmented = true;
                break;
              }
            } else if (label[w] === 0) {
              label[w] = 2;
              labelend[w] = rev(p);
            }
          } else if (label[bw] === 1) {
            if (bestedge[bv] === -1 || kslack < slack(bestedge[bv]!)) bestedge[bv] = p;
          } else if (label[w] === 0) {
            if (bestedge[w] === -1 || kslack < slack(bestedge[w]!)) bestedge[w] = p;
          }
        }
      }
      if (augmented) break;

      // No augmenting path along tight edges: move the duals by the largest safe delta.
      let deltatype = -1;
      let delta = 0;
      let deltaedge = -1;
      let deltablossom = -1;
      for (let v = 0; v < n; v++) {
        if (label[inblossom[v]!] === 0 && bestedge[v] !== -1 && (deltatype === -1 || slack(bestedge[v]!) < delta)) {
          [delta, deltatype, deltaedge] = [slack(bestedge[v]!), 2, bestedge[v]!];
        }
      }
      for (let b = 0; b < 2 * n; b++) {
        if (blossomparent[b] === -1 && label[b] === 1 && bestedge[b] !== -1 && (deltatype === -1 || slack(bestedge[b]!) / 2 < delta)) {
          [delta, deltatype, deltaedge] = [slack(bestedge[b]!) / 2, 3, bestedge[b]!];
        }
      }
      for (let b = n; b < 2 * n; b++) {
        if (blossombase[b]! >= 0 && blossomparent[b] === -1 && label[b] === 2 && (deltatype === -1 || dualvar[b]! < delta)) {
          [delta, deltatype, deltablossom] = [dualvar[b]!, 4, b];
        }
      }
      if (deltatype === -1) break; // every vertex is matched

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
        allow(deltaedge);
        queue.push(label[inblossom[from(deltaedge)]!] === 0 ? to(deltaedge) : from(deltaedge));
      } else if (deltatype === 3) {
        allow(deltaedge);
        queue.push(from(deltaedge));
      } else {
        expandBlossom(deltablossom, false);
      }
    }
    if (!augmented) break;

    for (let b = n; b < 2 * n; b++) {
      if (blossomparent[b] === -1 && blossombase[b]! >= 0 && label[b] === 1 && dualvar[b] === 0) expandBlossom(b, true);
    }
  }

  return mate.map((p) => (p >= 0 ? to(p) : -1));
}
