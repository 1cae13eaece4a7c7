/**
 * The CLI bundled by esbuild into plain JavaScript, dependencies left in node_modules: what src/cli/launch.mjs runs
 * and test/global-setup.ts builds for the tests. Plain JavaScript, so that node runs it without a loader.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What a bundle is made from: a change to any of these makes a new one. */
const INPUTS = ['src', 'emails', 'tsconfig.json', 'package-lock.json'];
/** Tests, and what the preview server writes: never part of a command. */
const IGNORED = /\.test\.\w+$|^emails\/_live\//;

/**
 * Bundles `entries` (name: source file, from the checkout's root) into `outdir`.
 * @param {string} outdir
 * @param {Record<string, string>} entries
 */
export async function bundleCli(outdir, entries) {
  const { build } = await import('esbuild');
  // emails/_preview/live.ts imports `../_live/${name}.json` for the preview's hot reload, never when run: esbuild
  // bundles what that pattern matches, and fails on a fresh clone, where the ignored folder does not exist yet.
  mkdirSync(path.join(ROOT, 'emails', '_live'), { recursive: true });
  await build({
    entryPoints: entries,
    absWorkingDir: ROOT,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // Commands are imported when run (src/cli/main.ts): separate chunks keep a start from loading the others.
    splitting: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    logLevel: 'silent',
  });
  // The PostgreSQL backend reads its SQL beside its module (new URL(..., import.meta.url)), which is a chunk here.
  const sql = path.join(ROOT, 'src', 'state', 'pg');
  cpSync(path.join(sql, 'queries.sql'), path.join(outdir, 'queries.sql'));
  cpSync(path.join(sql, 'migrations'), path.join(outdir, 'migrations'), { recursive: true });
}

/** A digest of every input's path and bytes: content, not times, so a checkout or a copy never runs a stale bundle. */
export function fingerprint() {
  const files = INPUTS.flatMap((input) => {
    const full = path.join(ROOT, input);
    if (!existsSync(full)) return [];
    if (!statSync(full).isDirectory()) return [input];
    return readdirSync(full, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
  });
  const hash = createHash('sha256');
  for (const file of files.filter((f) => !IGNORED.test(f)).sort()) hash.update(`${file}\0`).update(readFileSync(path.join(ROOT, file)));
  return hash.digest('hex').slice(0, 16);
}
