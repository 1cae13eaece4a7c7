/**
 * Builds the CLI once into plain JavaScript for the tests that spawn it (test/helpers/cli.ts's spawnCli, serve, the
 * scheduler, the lock racer). Each process would otherwise load every module through tsx's loader thread: a `build`
 * took 2.9 s of CPU that way and 1.1 s built. Same sources, same esbuild transform as tsx; dependencies stay in
 * node_modules. test/cli-entry.test.ts and test/cli-start.test.ts still run the program through tsx, as npm does.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { TestProject } from 'vitest/node';

const REPO = fileURLToPath(new URL('..', import.meta.url));
/** What test/helpers/cli.ts's nodeArgs can start, by name. */
const ENTRIES = { main: 'src/cli/main.ts', 'lock-racer': 'test/helpers/lock-racer.ts' };

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder of the built entry points (see ENTRIES), under node_modules so their imports resolve. */
    builtProgram: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  if (!process.env.TEST_DATABASE_URL)
    console.log(
      'PostgreSQL tests skipped (TEST_DATABASE_URL is not set); to run them: TEST_DATABASE_URL=postgres://user:password@localhost:5432/postgres npm test (see README.md).',
    );
  const cache = path.join(REPO, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  // A folder per run: two suites running at once in one checkout must not rebuild each other's program.
  const outdir = mkdtempSync(path.join(cache, 'digest-test-'));
  // emails/_preview/live.ts imports `../_live/${name}.json` for the preview's hot reload, never when run: esbuild
  // bundles what that pattern matches, and fails on a fresh clone, where the ignored folder does not exist yet.
  mkdirSync(path.join(REPO, 'emails', '_live'), { recursive: true });
  await build({
    entryPoints: ENTRIES,
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    // Commands are imported when run (src/cli/main.ts): separate chunks keep a start from loading the others.
    splitting: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    tsconfig: path.join(REPO, 'tsconfig.json'),
    logLevel: 'warning',
    logOverride: { 'empty-glob': 'silent' },
  });
  // The PostgreSQL backend reads its SQL beside its module (src/state/pg/): in the build, beside the chunks.
  cpSync(path.join(REPO, 'src', 'state', 'pg', 'queries.sql'), path.join(outdir, 'queries.sql'));
  cpSync(path.join(REPO, 'src', 'state', 'pg', 'migrations'), path.join(outdir, 'migrations'), { recursive: true });
  project.provide('builtProgram', outdir);
  return () => rmSync(outdir, { recursive: true, force: true });
}
