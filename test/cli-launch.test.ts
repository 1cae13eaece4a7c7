/**
 * `npm run digest` runs src/cli/launch.mjs: the CLI from a bundle cached under node_modules/.cache, made anew when
 * a source changes, and through tsx when no bundle can be made. Each case runs a copy of the checkout whose
 * node_modules links the repo's packages, so its cache is its own.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cleanup, REPO, spawnCli, tempDir } from './helpers/cli.ts';

afterAll(cleanup);

function checkout(): string {
  const root = tempDir();
  for (const entry of ['src', 'emails', 'package.json', 'package-lock.json', 'tsconfig.json'])
    cpSync(path.join(REPO, entry), path.join(root, entry), { recursive: true });
  mkdirSync(path.join(root, 'node_modules'));
  for (const name of readdirSync(path.join(REPO, 'node_modules')))
    if (name !== '.cache') symlinkSync(path.join(REPO, 'node_modules', name), path.join(root, 'node_modules', name));
  return root;
}

const launch = (root: string) => spawnCli(['--help'], { script: path.join(root, 'src', 'cli', 'launch.mjs'), cwd: root });
const bundlesIn = (root: string) => readdirSync(path.join(root, 'node_modules', '.cache', 'weekly-ai-tool-verdicts')).sort();

it('runs the CLI from a bundle it makes once, and makes a new one when a source changes', async () => {
  const root = checkout();
  const first = await launch(root);
  expect(first.stderr).toBe('');
  expect(first.stdout).toContain('Weekly AI Tool Verdicts: build, preview and send');
  expect(first.status).toBe(0);
  const [bundle] = bundlesIn(root);
  expect(bundlesIn(root)).toEqual([expect.stringMatching(/^cli-[0-9a-f]{16}$/)]);
  const made = statSync(path.join(root, 'node_modules', '.cache', 'weekly-ai-tool-verdicts', `${bundle}`, 'main.mjs')).mtimeMs;

  expect((await launch(root)).stdout).toBe(first.stdout);
  expect(bundlesIn(root)).toEqual([bundle]);
  expect(statSync(path.join(root, 'node_modules', '.cache', 'weekly-ai-tool-verdicts', `${bundle}`, 'main.mjs')).mtimeMs).toBe(made);

  const wording = path.join(root, 'src', 'digest', 'wording.ts');
  writeFileSync(wording, readFileSync(wording, 'utf8').replace("'Weekly AI Tool Verdicts'", "'Weekly AI Tool Verdicts, edited'"));
  const edited = await launch(root);
  expect(edited.stdout).toContain('Weekly AI Tool Verdicts, edited: build, preview and send');
  expect(edited.status).toBe(0);
  expect(bundlesIn(root)).toHaveLength(2);
});

it('runs the CLI through tsx when it cannot make a bundle', async () => {
  const root = checkout();
  // A file where the cache folder would be: nothing can be written there.
  writeFileSync(path.join(root, 'node_modules', '.cache'), '');
  const result = await launch(root);
  expect(result.stderr).toBe('');
  expect(result.stdout).toContain('Weekly AI Tool Verdicts: build, preview and send');
  expect(result.status).toBe(0);
});
