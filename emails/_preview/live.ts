import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Where `npm run dev` writes the props it builds from the live catalog; git ignores it. */
const LIVE_DIR = 'emails/_live';

/**
 * A template's preview props: under `npm run dev` (DIGEST_LIVE_PREVIEW=1) the ones built from the live catalog in
 * emails/_live/, else the tracked fixture, so the typecheck, the tests and the sending code never read an untracked file.
 */
export function previewPropsFor<T>(name: string, fixture: T): T {
  if (process.env.DIGEST_LIVE_PREVIEW !== '1') return fixture;
  try {
    return JSON.parse(readFileSync(path.join(LIVE_DIR, name), 'utf8')) as T;
  } catch {
    return fixture;
  }
}

/**
 * Never called. React Email's hot reload follows `import()` prefixes: this one makes a change in emails/_live/
 * re-render every template that reads its props through this module.
 */
export const followedByHotReload = (name: string) => import(/* @vite-ignore */ `../_live/${name}.json`);
