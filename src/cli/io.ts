import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { programClock } from '../clock.ts';

/** A stream a run writes to; a bar is drawn only where `isTTY` says a terminal reads it. */
export type OutputStream = Pick<NodeJS.WritableStream, 'write'> & { isTTY?: boolean };

/** What one run of the CLI writes to and reads from: the process's own for the bin, a test's for a run in its process. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** The settings' environment (DIGEST_*, RESEND_*); nothing of a run reads process.env. */
  env: NodeJS.ProcessEnv;
  /** The run's clock; by default the program clock of `env` (DIGEST_NOW), started when the run starts. */
  now?: () => Date;
}

interface Run extends CliIo {
  exitStatus: number;
  startedAt: number;
  /** What the run opened and closes when it ends (a database's connections), last opened first. */
  closers: (() => Promise<void>)[];
}

// Runs in one process at once (a test's concurrent runs) each keep their own output, settings, clock and exit status.
const runs = new AsyncLocalStorage<Run>();
// The first run of a process that has none under way is kept here instead: on Node 20 a store in use turns on promise
// hooks for every promise after it, which cost a long `serve` a few percent of its time. Later runs beside it go in `runs`.
let alone: Run | undefined;
const current = () => runs.getStore() ?? alone;

/** The process's streams and environment, for the bin. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

/** Runs `work` with `io` as the current run's; resolves with its result and the exit status the run set. */
export async function withIo<T>(io: CliIo, work: () => Promise<T>): Promise<{ result: T; exitStatus: number }> {
  const run: Run = { ...io, exitStatus: 0, startedAt: performance.now(), closers: [] };
  const first = current() === undefined;
  try {
    if (first) alone = run;
    const result = first ? await work() : await runs.run(run, work);
    return { result, exitStatus: run.exitStatus };
  } finally {
    if (first) alone = undefined;
    for (const close of run.closers.reverse()) await close();
  }
}

/** Closes `close` when the current run ends, whatever its outcome; outside a run (`npm start`'s own job), at the process's. */
export function closeAtEnd(close: () => Promise<void>): void {
  const run = current();
  if (run) run.closers.push(close);
  else process.once('beforeExit', () => void close());
}

/** The current run's I/O; outside any (`npm start`'s own job), the process's. */
export function currentIo(): CliIo {
  return current() ?? processIo();
}

/** Sets the exit status of the current run (what is printed still says why). */
export function setExitStatus(status: number): void {
  const run = current();
  if (run) run.exitStatus = status;
  else process.exitCode = status;
}

/** The current run's clock: DIGEST_NOW (an ISO date-time) starts it at that instant when the run starts, then it runs on. */
export function clock(): () => Date {
  const run = current();
  if (!run) return programClock(process.env);
  run.now ??= programClock(run.env, () => performance.now() - run.startedAt);
  return run.now;
}
