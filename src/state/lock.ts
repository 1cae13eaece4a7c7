import { randomUUID } from 'node:crypto';
import { link, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../errors.ts';
import { makeFolder, writeSynced } from '../files.ts';
import { LOCK_POLL_MS, type LockWait } from './stores.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What a lock file says: the holder's PID and a token unique to this holding (so a reused PID is not the same holder). */
interface Holder {
  pid: number;
  token: string;
}

function parseHolder(text: string): Holder | null {
  const [pid, token = ''] = text.trim().split(/\s+/);
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 ? { pid: n, token } : null;
}

async function readHolder(file: string): Promise<{ text: string; holder: Holder | null } | null> {
  try {
    const text = await readFile(file, 'utf8');
    return { text, holder: parseHolder(text) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** The live process holding `<state>/locks/<name>.lock`, or null when none does. */
export async function lockHolder(folder: string, name: string): Promise<number | null> {
  const found = await readHolder(path.join(folder, 'locks', `${name}.lock`)).catch(() => null);
  return found?.holder && isAlive(found.holder.pid) ? found.holder.pid : null;
}

/**
 * Creates `file` holding `content`, or fails with EEXIST. The content is written to a file of our own
 * and linked into place, so the lock never exists without its holder's PID.
 */
async function createWith(file: string, content: string): Promise<boolean> {
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeSynced(temp, content, 'wx');
  try {
    await link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/**
 * Removes the lock `file` if it still says `stale`. Of the processes that found the same stale holder,
 * only the one that creates `<file>.takeover-<token>` may remove it, so none of them can remove a lock
 * another has just taken in its place.
 */
async function removeStale(file: string, stale: { text: string; holder: Holder | null }): Promise<void> {
  const takeover = `${file}.takeover-${stale.holder?.pid ?? 0}-${stale.holder?.token || 'none'}`;
  if (!(await createWith(takeover, `${process.pid} ${randomUUID()}`))) {
    // Another process is taking over the same stale lock; if it died doing so, its takeover file is stale too.
    const other = await readHolder(takeover);
    if (other?.holder && !isAlive(other.holder.pid)) await unlink(takeover).catch(() => undefined);
    return;
  }
  try {
    const now = await readHolder(file);
    if (now?.text === stale.text) await unlink(file).catch(() => undefined);
  } finally {
    await unlink(takeover).catch(() => undefined);
  }
}

/**
 * Holds `<state>/locks/<name>.lock` while `work` runs, so only one such `what` (e.g. a send of an issue) runs at a time.
 * A lock left by a process that no longer exists (killed, crashed) is taken over; one held by a live process refuses,
 * or with `wait` is looked at again every LOCK_POLL_MS until it is free.
 */
export async function withLock<T>(folder: string, name: string, work: () => Promise<T>, what = name, wait?: LockWait): Promise<T> {
  const file = path.join(folder, 'locks', `${name}.lock`);
  await makeFolder(path.dirname(file));
  const content = `${process.pid} ${randomUUID()}\n`;
  const busy = (detail: string) => new UserError(`Another ${what} is running (${detail}lock ${file}); wait for it to finish.`);
  for (let attempt = 0, waiting = false; ; attempt++) {
    if (await createWith(file, content)) break;
    if (attempt >= 5 && !wait) throw busy('');
    const found = await readHolder(file);
    if (found === null) continue; // released in between: try again
    if (found.holder === null) {
      throw new UserError(`The lock ${file} names no process (it is empty or damaged); if no ${what} is running, delete it and run again.`);
    }
    if (!isAlive(found.holder.pid)) {
      await removeStale(file, found);
      continue;
    }
    if (!wait) throw busy(`process ${found.holder.pid}, `);
    if (!waiting) wait.onWaiting?.(`process ${found.holder.pid}`);
    waiting = true;
    if (wait.shouldStop?.()) throw new UserError(`Stopped waiting for the other ${what} to finish; nothing was done.`);
    await sleep(LOCK_POLL_MS);
  }
  try {
    return await work();
  } finally {
    await unlink(file).catch(() => undefined);
  }
}

/** The locks of the state folder `folder`, `<folder>/locks/<name>.lock`. */
export class FileLocks {
  constructor(private readonly folder: string) {}

  hold<T>(name: string, work: () => Promise<T>, what = name, wait?: LockWait): Promise<T> {
    return withLock(this.folder, name, work, what, wait);
  }

  holder(name: string): Promise<number | null> {
    return lockHolder(this.folder, name);
  }
}
