import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { type Config, resolveConfig } from '../config.ts';
import { addSubscriber, importSubscribers, unsubscribe } from './manage.ts';
import { openFiles } from '../state/open.ts';

let dir: string;
let config: Config;
const at = new Date('2026-11-18T15:00:00Z');

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'manage-'));
  config = resolveConfig({ data: dir, subscribers: path.join(dir, 'subscribers.csv'), state: dir }, {});
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const store = () => openFiles(config.stateDir, config.subscribersFile);

const statuses = async () => {
  const { list } = await store().list({ allowMissingCsv: true }).current();
  return Object.fromEntries([...list.values()].map((s) => [s.email, s.status]));
};

it('imports, adds and unsubscribes in-process, with no list file yet, and returns what the command prints', async () => {
  const file = path.join(dir, 'export.csv');
  await writeFile(file, 'email,status\nada@example.com,subscribed\nnot-an-address,subscribed\n');
  expect(await importSubscribers(config, store(), file, at)).toBe(
    `Imported ${file}:\n  1 added as active\n  1 rejected:\n    ${file}, line 3: "not-an-address" is not a valid email address; skipped.`,
  );
  expect(await addSubscriber(config, store(), { email: 'bo@example.com', name: 'Bo', at })).toBe(
    'Added bo@example.com (active, every category).',
  );
  expect(await unsubscribe(config, store(), 'ada@example.com', at)).toBe(
    'Unsubscribed ada@example.com (was active); no later send mails it.',
  );
  expect(await statuses()).toEqual({ 'ada@example.com': 'unsubscribed', 'bo@example.com': 'active' });
});

it('imports a list larger than a call can take as arguments (200,000 new readers) on files', async () => {
  const file = path.join(dir, 'big.csv');
  const rows = Array.from({ length: 200_000 }, (_, i) => `reader${i}@example.com`);
  await writeFile(file, `email\n${rows.join('\n')}\n`);
  expect(await importSubscribers(config, store(), file, at)).toBe(`Imported ${file}:\n  200000 added as active`);
  const { list } = await store().list({ allowMissingCsv: true }).current();
  expect(list.size).toBe(200_000);
});
