/**
 * The CLI runs from wherever the checkout is: a folder whose name has a space, or through a symlink.
 * main.ts only runs when it is the entry point; a wrong check makes `npm run digest` silently do nothing.
 */
import { cpSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cleanup, REPO, spawnCli, tempDir } from './helpers/cli.ts';

afterAll(cleanup);

/** A copy of the program (src, emails, package.json) under `My Projects/weekly digest`, sharing the repo's node_modules. */
function checkoutWithSpaces(): string {
  const root = path.join(tempDir(), 'My Projects', 'weekly digest');
  for (const entry of ['src', 'emails', 'package.json', 'tsconfig.json'])
    cpSync(path.join(REPO, entry), path.join(root, entry), { recursive: true });
  symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return root;
}

it('runs from a folder whose name has spaces, directly and through a symlink, as tsx and npm run it', async () => {
  const root = checkoutWithSpaces();
  const link = path.join(path.dirname(root), 'link to digest');
  symlinkSync(root, link, 'dir');
  for (const checkout of [root, link])
    for (const script of ['main.ts', 'launch.mjs']) {
      const result = await spawnCli(['--help'], { script: path.join(checkout, 'src', 'cli', script), cwd: checkout });
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain('Weekly AI Tool Verdicts');
      expect(result.status).toBe(0);
    }
});
