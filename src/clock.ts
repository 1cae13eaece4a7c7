import { performance } from 'node:perf_hooks';
import { UserError } from './errors.ts';

/**
 * The program's clock. Without DIGEST_NOW it is the real clock. With it, the clock starts at that instant
 * when the process starts and runs on by monotonic time, so a rehearsed schedule reaches its tick as it
 * would for real (DIGEST_NOW=...08:59:50Z fires a 09:00 tick ten seconds later).
 */
export function programClock(env: NodeJS.ProcessEnv, elapsedMs: () => number = () => performance.now()): () => Date {
  const raw = env.DIGEST_NOW?.trim();
  if (!raw) return () => new Date();
  const start = new Date(raw);
  if (Number.isNaN(start.getTime())) throw new UserError(`DIGEST_NOW "${raw}" is not an ISO date-time such as 2026-11-16T08:59:50Z.`);
  // performance.now() counts from the process start, so every reader of the clock shares one origin.
  return () => new Date(start.getTime() + elapsedMs());
}
