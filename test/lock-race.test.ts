/** The send lock under a race of many processes for a stale lock: never two holders at once. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { cleanup, nodeArgs, REPO, tempDir } from './helpers/cli.ts';

afterAll(cleanup);

const RACERS = 20;

it(`${RACERS} processes racing for a stale lock, each dying while it holds it, never hold it together`, async () => {
  const dir = tempDir('digest-lock-race-');
  const state = path.join(dir, 'state');
  const log = path.join(dir, 'holders.log');
  const go = path.join(dir, 'go');
  writeFileSync(log, '');
  // A lock left by a process that no longer exists.
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  mkdirSync(path.join(state, 'locks'), { recursive: true });
  writeFileSync(path.join(state, 'locks', 'race.lock'), `${dead}\n`);

  const racers: { child: ChildProcess; ready: Promise<void>; exit: Promise<number | null>; stderr: () => string }[] = [];
  for (let i = 0; i < RACERS; i++) {
    const child = spawn(process.execPath, [...nodeArgs('lock-racer'), state, log, go], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const ready = new Promise<void>((resolve) =>
      child.stdout!.setEncoding('utf8').on('data', (d: string) => d.includes('ready') && resolve()),
    );
    const exit = new Promise<number | null>((resolve) => child.on('close', resolve));
    racers.push({ child, ready, exit, stderr: () => stderr });
  }
  await Promise.all(racers.map((r) => r.ready));
  writeFileSync(go, '');
  const statuses = await Promise.all(racers.map((r) => r.exit));
  expect(statuses, racers.map((r) => r.stderr()).join('')).toEqual(racers.map(() => 0));

  const events = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((line) => line.split(' ') as ['start' | 'end', string]);
  // Held one at a time: every start is followed by the same process's end, before anyone else starts.
  for (let i = 0; i < events.length; i += 2) {
    expect([events[i]?.[0], events[i + 1]?.[0], events[i + 1]?.[1]], `events ${i}-${i + 1}`).toEqual(['start', 'end', events[i]?.[1]]);
  }
  expect(new Set(events.map(([, pid]) => pid)).size).toBe(RACERS);
  expect(events).toHaveLength(2 * RACERS);
  // The lock file is private, like the rest of the state.
  expect(statSync(path.join(state, 'locks', 'race.lock')).mode & 0o777).toBe(0o600);
});
