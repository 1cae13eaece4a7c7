import type { Tool } from '../catalog/schema.ts';
import { panelVerdict } from './verdict.ts';
import { at } from '../invariant.ts';

/** Points out of 1000 for each signal; category is left out because pairing weighs it on its own. */
const TEXT_POINTS = 700;
const PRICING_POINTS = 100;
const PANEL_POINTS = 200;

// "ai" is in nearly every entry of an AI tool catalog, so it says nothing about a match.
const STOPWORDS = new Set([
  'a',
  'ai',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'by',
  'for',
  'from',
  'in',
  'into',
  'is',
  'it',
  'its',
  'of',
  'on',
  'or',
  'that',
  'the',
  'this',
  'to',
  'with',
  'you',
  'your',
]);

/** The distinct lowercase words of a tool's name, tagline and description, without stopwords and one-letter words. */
export function wordTokens(tool: Pick<Tool, 'name' | 'tagline' | 'description'>): Set<string> {
  const text = `${tool.name} ${tool.tagline} ${tool.description}`.toLowerCase();
  const words = text.match(/[\p{L}\p{N}]+/gu) ?? [];
  return new Set(words.filter((w) => w.length > 1 && !STOPWORDS.has(w)));
}

type Profile = { size: number; pricing: string; panelPercent: number | null };

function profile(tool: Tool, tokens: Set<string>): Profile {
  return { size: tokens.size, pricing: tool.pricing.entry, panelPercent: panelVerdict(tool).percent };
}

function score(shared: number, a: Profile, b: Profile): number {
  const union = a.size + b.size - shared;
  const text = union === 0 ? 0 : Math.round((TEXT_POINTS * shared) / union);
  const pricing = a.pricing === b.pricing ? PRICING_POINTS : 0;
  const panel =
    a.panelPercent === null || b.panelPercent === null
      ? 0
      : Math.round((PANEL_POINTS * (100 - Math.abs(a.panelPercent - b.panelPercent))) / 100);
  return text + pricing + panel;
}

/**
 * How good a head-to-head two tools make, an integer from 0 to 1000: word overlap (Jaccard, 700),
 * same pricing entry (100), closeness of panel ship percentages (200). Symmetric and deterministic.
 */
export function similarity(a: Tool, b: Tool): number {
  const ta = wordTokens(a);
  const tb = wordTokens(b);
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  return score(shared, profile(a, ta), profile(b, tb));
}

/**
 * Every pairwise similarity of `tools`, computed at once through an inverted word index:
 * `index(i, j) === similarity(tools[i], tools[j])`. Takes n² memory; meant for a week's new tools.
 */
export function similarityIndex(tools: readonly Tool[]): (i: number, j: number) => number {
  const n = tools.length;
  const postings = new Map<string, number[]>();
  const profiles = tools.map((tool, i) => {
    const tokens = wordTokens(tool);
    for (const t of tokens) {
      const list = postings.get(t);
      if (list) list.push(i);
      else postings.set(t, [i]);
    }
    return profile(tool, tokens);
  });
  const shared = new Int32Array(n * n);
  for (const list of postings.values()) {
    for (let x = 0; x < list.length; x++) {
      const row = at(list, x) * n;
      for (let y = x + 1; y < list.length; y++) {
        const k = row + at(list, y);
        shared[k] = at(shared, k) + 1;
      }
    }
  }
  const scores = new Uint16Array(n * n);
  for (let i = 0; i < n; i++) {
    const pi = at(profiles, i);
    scores[i * n + i] = score(pi.size, pi, pi);
    for (let j = i + 1; j < n; j++) {
      scores[i * n + j] = scores[j * n + i] = score(at(shared, i * n + j), pi, at(profiles, j));
    }
  }
  return (i, j) => at(scores, i * n + j);
}
