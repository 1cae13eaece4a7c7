import { execFileSync } from 'node:child_process';
import { appendFile, cp, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Config, resolveConfig } from '../config.ts';
import { openFiles } from '../state/open.ts';
import { importSubscribers } from './manage.ts';

let dir: string;
let config: Config;
let file: string;
const at = new Date('2026-11-18T15:00:00Z');

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'manage-import-'));
  config = resolveConfig({ data: dir, subscribers: path.join(dir, 'subscribers.csv'), state: dir }, {});
  file = path.join(dir, 'export.csv');
  await cp(new URL('../../data/tools', import.meta.url), path.join(dir, 'tools'), { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const store = () => openFiles(config.stateDir, config.subscribersFile);
/** More rows than the files backend records at a time, so a one-pass import would have recorded some. */
const readers = (count: number, categories = '') => Array.from({ length: count }, (_, i) => `reader${i}@example.com,${categories}`);

it('records nothing from a file whose last row, past the first parts, has a status it does not know', async () => {
  await writeFile(file, `email,categories,status\n${readers(25_000).join(',active\n')},active\nlast@example.com,,vip\n`);
  await expect(importSubscribers(config, store(), file, at)).rejects.toThrow(
    `${file}, line 25002: unknown status "vip"; nothing was imported`,
  );
  expect(await store().subscribers.hasEvents()).toBe(false);
});

it('records nothing from a file whose last row has a category the catalog lacks, and names a row it cannot read first', async () => {
  await writeFile(file, `email,categories\n${readers(25_000, 'design').join('\n')}\nlast@example.com,Gardening\n`);
  await expect(importSubscribers(config, store(), file, at)).rejects.toThrow(
    `${file}, line 25002: categories "Gardening" is not a category of the catalog in ${dir}/tools`,
  );
  await appendFile(file, 'after,"unclosed\n');
  await expect(importSubscribers(config, store(), file, at)).rejects.toThrow(`${file}, line 25003: Quote Not Closed`);
  expect(await store().subscribers.hasEvents()).toBe(false);
});

it('records each row with its categories as the catalog spells them, past the first parts', async () => {
  await writeFile(file, `email,categories\n${readers(25_000, 'design; WRITING').join('\n')}\n`);
  expect(await importSubscribers(config, store(), file, at)).toBe(`Imported ${file}:\n  25000 added as active`);
  const { list } = await store().list().current();
  expect(list.get('reader24999@example.com')?.categories).toEqual(['Design', 'Writing']);
});

it('records nothing when the file changes between the check of every row and their recording', async () => {
  await writeFile(file, 'email,categories\nada@example.com,Design\n');
  // A tool file of the catalog as a pipe: the import, checking the first row's categories, waits to read it.
  const tool = path.join(dir, 'tools', 'citebloom.json');
  const content = await readFile(tool);
  await rm(tool);
  execFileSync('mkfifo', [tool]);
  const imported = importSubscribers(config, store(), file, at);
  const catalog = await open(tool, 'w');
  await appendFile(file, 'bo@example.com,Gardening\n');
  await catalog.writeFile(content);
  await catalog.close();
  await expect(imported).rejects.toThrow(`${file} changed while it was being imported; nothing was imported: run the import again.`);
  expect(await store().subscribers.hasEvents()).toBe(false);
});
