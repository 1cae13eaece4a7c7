import { defineCittyPlugin, type ArgsDef } from 'citty';
import { resolveConfig, type Config } from '../config.ts';
import { UserError } from '../errors.ts';
import { terminalSafe } from '../plain-text.ts';
import { type Access, openState } from '../state/open.ts';
import type { State } from '../state/stores.ts';
import { clock, closeAtEnd, currentIo } from './io.ts';

// What commands print comes from the catalog, the list, edition and state files: never raw to a terminal (SPEC).

/** Prints a line on stdout, control characters escaped. */
export function print(text: string): void {
  currentIo().stdout.write(`${terminalSafe(text)}\n`);
}

/** Prints a line on stderr, control characters escaped. */
export function printError(text: string): void {
  currentIo().stderr.write(`${terminalSafe(text)}\n`);
}

/** The flags every command takes. */
export const commonArgs = {
  data: { type: 'string', description: 'catalog folder (default: data)' },
  subscribers: { type: 'string', description: 'subscriber CSV (default: subscribers/subscribers.csv)' },
  state: { type: 'string', description: 'state folder (default: .digest; with a database, only the outbox and previews)' },
  database: { type: 'string', description: 'PostgreSQL URL holding the state (default: $DATABASE_URL; unset: files in --state)' },
  tz: { type: 'string', description: 'IANA time zone of the week (default: $DIGEST_TIMEZONE or UTC)' },
} satisfies ArgsDef;

export const weekArg = {
  week: { type: 'string', description: 'ISO week such as 2026-W46 (default: the last week that ended)' },
} satisfies ArgsDef;

export const pairingArgs = {
  strategy: { type: 'enum', options: ['best-match', 'spotlight'], description: 'how tools are paired (default: best-match)' },
  spotlight: { type: 'string', description: 'the tool compared with every new tool, for --strategy spotlight' },
} satisfies ArgsDef;

/** Refuses flags a command doesn't define, so a typo such as --weeek never passes silently. */
export const strictFlags = defineCittyPlugin({
  name: 'strict-flags',
  async setup({ args, cmd }) {
    // The common flags are taken by every command (SPEC), also where one changes nothing and its help leaves it out.
    const defined = [...Object.keys((await (typeof cmd.args === 'function' ? cmd.args() : cmd.args)) ?? {}), ...Object.keys(commonArgs)];
    const allowed = new Set(['_', ...defined, ...defined.map((n) => n.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()))]);
    for (const key of Object.keys(args)) {
      if (!allowed.has(key)) throw new UserError(`Unknown flag --${key}; run with --help to see the flags.`, 2);
    }
  },
});

export function configFrom(args: { data?: string; subscribers?: string; state?: string; database?: string; tz?: string }): Config {
  return resolveConfig(args, currentIo().env);
}

/** The run's state (files, or the database the config names), closed when the run ends. */
export async function openRunState(config: Config, access: Access = 'write'): Promise<State> {
  const state = await openState(config, access);
  closeAtEnd(() => state.close());
  return state;
}

/** The run's clock (see io.ts): DIGEST_NOW (an ISO date-time) starts it at that instant, then it runs on. */
export function now(): Date {
  return clock()();
}
