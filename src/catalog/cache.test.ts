import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CatalogCache } from './cache.ts';

let dir: string;
const toolJson = (slug: string, name: string) =>
  JSON.stringify({
    slug,
    name,
    tagline: 't',
    category: 'Design',
    description: 'd',
    url: 'https://example.com',
    addedAt: '2026-11-10',
    pricing: { entry: 'free' },
    panel: [],
  });

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'catalog-cache-'));
  await mkdir(path.join(dir, 'tools'));
  await writeFile(path.join(dir, 'tools', 'alpha.json'), toolJson('alpha', 'Alpha'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

async function until(check: () => Promise<boolean>) {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}

it('loads once, and again only after a file changes, is added or removed', async () => {
  const cache = new CatalogCache(dir);
  try {
    const first = await cache.tools();
    expect(await cache.tools()).toBe(first);
    await writeFile(path.join(dir, 'tools', 'alpha.json'), toolJson('alpha', 'Alpha Two'));
    await until(async () => (await cache.tools())[0]!.name === 'Alpha Two');
    await writeFile(path.join(dir, 'tools', 'beta.json'), toolJson('beta', 'Beta'));
    await until(async () => (await cache.tools()).length === 2);
    await unlink(path.join(dir, 'tools', 'alpha.json'));
    await until(async () => (await cache.tools()).map((t) => t.slug).join() === 'beta');
    const settled = await cache.tools();
    expect(await cache.tools()).toBe(settled);
  } finally {
    cache.close();
  }
});

it('reports a broken file until it is fixed', async () => {
  const cache = new CatalogCache(dir);
  try {
    await cache.tools();
    await writeFile(path.join(dir, 'tools', 'alpha.json'), '{ broken');
    await until(() =>
      cache.tools().then(
        () => false,
        () => true,
      ),
    );
    await writeFile(path.join(dir, 'tools', 'alpha.json'), toolJson('alpha', 'Fixed'));
    await until(() =>
      cache.tools().then(
        (t) => t[0]!.name === 'Fixed',
        () => false,
      ),
    );
  } finally {
    cache.close();
  }
});
