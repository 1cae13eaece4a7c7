import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../../errors.ts';
import { LOCK_POLL_MS, type LockWait, type Locks } from '../stores.ts';
import { type Database, type DatabaseOptions, openDatabase } from './connect.ts';
import type { Query } from './queries.ts';

/** `digest <host>:<pid>`, as connect.ts names each connection. */
const HOLDER = /^digest (.+):(\d+)$/;

/**
 * Named locks as session advisory locks, each on a connection of its own outside the pool: the lock lives exactly as
 * long as that connection, so one whose holder died (killed, host gone) is free again as soon as PostgreSQL notices.
 */
export class PgLocks implements Locks {
  /** The connection of each lock this process holds: what is written under a lock goes through it (see PgLedger). */
  private readonly held = new Map<string, Database>();

  constructor(
    private readonly sql: Database,
    private readonly query: Query,
    private readonly url: string,
    private readonly options: DatabaseOptions,
  ) {}

  async hold<T>(name: string, work: () => Promise<T>, what = name, wait?: LockWait): Promise<T> {
    const own = openDatabase(this.url, { ...this.options, dedicated: true });
    try {
      for (let waited = false; ; waited = true) {
        const [row] = await own.unsafe<{ locked: boolean }[]>(this.query('lock-try'), [name]);
        if (row?.locked) break;
        const holder = await this.holderName(name);
        const by = holder?.replace(HOLDER, 'process $2 on $1');
        if (!wait) {
          const held = by ? `held by ${by}` : 'its holder just let it go; try again';
          throw new UserError(`Another ${what} is running (the lock "${name}" in the database is ${held}); wait for it to finish.`);
        }
        if (!waited) wait.onWaiting?.(by ?? 'a process that just let it go');
        if (wait.shouldStop?.()) throw new UserError(`Stopped waiting for the other ${what} to finish; nothing was done.`);
        await sleep(LOCK_POLL_MS);
      }
      this.held.set(name, own);
      try {
        return await work();
      } finally {
        this.held.delete(name);
        await own.unsafe(this.query('lock-release'), [name]).catch(() => undefined);
      }
    } finally {
      await own.end({ timeout: 5 });
    }
  }

  /** The connection holding `name` for this process, or null when it holds no such lock. */
  connection(name: string): Database | null {
    return this.held.get(name) ?? null;
  }

  async holder(name: string): Promise<number | null> {
    const match = HOLDER.exec((await this.holderName(name)) ?? '');
    return match ? Number(match[2]) : null;
  }

  private async holderName(name: string): Promise<string | null> {
    const [row] = await this.sql.unsafe<{ application_name: string }[]>(this.query('lock-holder'), [name]);
    return row?.application_name ?? null;
  }
}
