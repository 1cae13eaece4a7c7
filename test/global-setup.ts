/**
 * Builds the CLI once into plain JavaScript for the tests that spawn it (test/helpers/cli.ts's spawnCli, serve, the
 * scheduler, the lock racer), as src/cli/launch.mjs builds it for npm, into a folder of the run's own.
 * test/cli-entry.test.ts and test/cli-start.test.ts run the program as npm does.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { bundleCli } from '../src/cli/bundle.mjs';

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
  await bundleCli(outdir, ENTRIES);
  project.provide('builtProgram', outdir);
  return () => rmSync(outdir, { recursive: true, force: true });
}
