import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, watch } from 'node:fs';
import path from 'node:path';
import { afterAll, it } from 'vitest';
import type { FakeResend, RequestLogEntry } from './fake-resend.ts';
import { cleanup } from './helpers/cli.ts';
import { expectEveryoneExactlyOnce, READERS, send, WEEK, withFakeResend, type Workspace, workspace } from './helpers/crash.ts';

// `send` is killed with SIGKILL at named moments, each set off by an event (never a timer); where the kill landed is
// checked from the ledger and from what the fake Resend received and answered, then `send` runs to the end and every
// reader has exactly one email. (crash-kill.test.ts kills as requests arrive, round after round.)

afterAll(cleanup);

const BATCH = 100;
const BATCHES = Math.ceil(READERS / BATCH);
/** A kill that can land a little late (the process outran the signal) is tried again, in a fresh workspace, this often. */
const TRIES = 4;

/** A ledger line as the test reads it; a line the kill tore is left out. */
type Step = { state: string; batch?: number; key?: string };

function ledgerSteps(ws: Workspace): Step[] {
  let text: string;
  try {
    text = readFileSync(path.join(ws.state, 'ledger', `${WEEK}.jsonl`), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    try {
      return [JSON.parse(line) as Step];
    } catch {
      return [];
    }
  });
}

const planned = (steps: Step[]) => steps[0]?.state === 'started' && steps.filter((s) => s.state === 'pending').length === BATCHES;

/** The latest state the ledger gives the batch sent with idempotency `key` ('pending' when it has none but its plan). */
function stateOfBatch(steps: Step[], key: string | undefined): string {
  const batch = steps.find((s) => s.state === 'pending' && s.key === key)?.batch;
  if (batch === undefined) return 'not planned';
  return steps.filter((s) => s.batch === batch).at(-1)?.state ?? 'not planned';
}

interface Landing {
  steps: Step[];
  fake: FakeResend;
  /** The requests the fake acted on (delivered, for a send), answered or not. */
  received: RequestLogEntry[];
}

interface KillPoint {
  name: string;
  /** Readies the trigger before `send` starts; `done` aborts once `send` ended. */
  arm?: (ws: Workspace, fake: FakeResend, kill: () => void, done: AbortSignal) => void;
  onReceived?: (entry: RequestLogEntry, kill: () => void) => void;
  onAnswered?: (entry: RequestLogEntry, kill: () => void) => void;
  /** Why the kill did not land where `name` says; null when it did. */
  missed: (landing: Landing) => string | null;
}

const POINTS: KillPoint[] = [
  {
    name: 'once the plan is in the ledger, before any request reached Resend',
    arm(ws, _fake, kill, done) {
      const folder = path.join(ws.state, 'ledger');
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      watch(folder, { signal: done }, () => planned(ledgerSteps(ws)) && kill());
    },
    missed: ({ steps, received }) =>
      received.length > 0
        ? `${received.length} request(s) had reached Resend`
        : !planned(steps)
          ? 'the ledger did not hold the whole plan'
          : steps.length !== 1 + BATCHES
            ? `the ledger had gone on: ${steps.map((s) => s.state).join(', ')}`
            : null,
  },
  {
    name: 'with a batch request in flight (Resend delivered it and holds its answer)',
    arm(_ws, fake) {
      fake.inject({ kind: 'hold' });
    },
    onReceived: (entry, kill) => entry.path === '/emails/batch' && kill(),
    missed({ steps, fake, received }) {
      if (received.length !== 1 || fake.requests.length !== 0 || fake.emails.length !== BATCH) {
        return `Resend had received ${received.length} requests, answered ${fake.requests.length}, delivered ${fake.emails.length} emails`;
      }
      const state = stateOfBatch(steps, received[0]?.idempotencyKey);
      return state === 'submitting' ? null : `the ledger had the batch in flight as ${state}`;
    },
  },
  {
    name: "between a batch's two ledger writes (Resend answered it, its `sent` line is not written)",
    onAnswered: (entry, kill) => entry.path === '/emails/batch' && entry.status === 200 && kill(),
    missed({ steps, fake }) {
      const answered = fake.requests.filter((r) => r.status === 200);
      if (answered.length !== 1 || fake.emails.length !== BATCH) {
        return `Resend had answered ${answered.length} batches and delivered ${fake.emails.length} emails`;
      }
      const state = stateOfBatch(steps, answered[0]?.idempotencyKey);
      return state === 'submitting' ? null : `the ledger had the answered batch as ${state}: send outran the kill`;
    },
  },
];

it.concurrent.for(POINTS.map((point) => [point.name, point] as const))(
  'send killed %s, then run to the end: everyone exactly once',
  async ([, point], { expect }) => {
    const misses: string[] = [];
    for (let attempt = 0; attempt < TRIES; attempt++) {
      const ws = workspace();
      let child: ChildProcess | undefined;
      let killed = false;
      const kill = () => {
        if (!killed) killed = child?.kill('SIGKILL') ?? false;
      };
      const received: RequestLogEntry[] = [];
      const landed = await withFakeResend(
        async (fake) => {
          const done = new AbortController();
          point.arm?.(ws, fake, kill, done.signal);
          const run = await send(ws, fake.url, (c) => (child = c));
          done.abort();
          const miss =
            run.signal === 'SIGKILL' ? point.missed({ steps: ledgerSteps(ws), fake, received }) : `send ended first (exit ${run.status})`;
          if (miss !== null) {
            misses.push(miss);
            return false;
          }
          fake.release();
          const last = await send(ws, fake.url);
          expect(last.status, last.stderr).toBe(0);
          expectEveryoneExactlyOnce(expect, fake.emails);
          return true;
        },
        {
          onReceived(entry) {
            received.push(entry);
            point.onReceived?.(entry, kill);
          },
          onRequest: (entry) => point.onAnswered?.(entry, kill),
        },
      );
      if (landed) return;
    }
    expect.fail(`the kill never landed in ${TRIES} tries: ${misses.join('; ')}`);
  },
);
