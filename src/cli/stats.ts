import { defineCommand } from 'citty';
import { WeekId } from '../digest/schema.ts';
import { tally } from '../digest/wording.ts';
import { UserError } from '../errors.ts';
import { COUNTED, issueStats, type IssueStats } from '../stats.ts';
import { commonArgs, configFrom, print, strictFlags, openRunState } from './common.ts';

const percent = (n: number, of: number) => (of === 0 ? '-' : `${Math.round((100 * n) / of)}%`);

function table(rows: string[][]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => r[i]?.length ?? 0)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function votesLines(stats: IssueStats): string[] {
  const tools = Object.entries(stats.votes);
  if (tools.length === 0) return ['No reader votes yet.'];
  return ["Reader votes (each reader's latest):", ...tools.map(([slug, v]) => `  ${slug}: ${tally(v)}`)];
}

/** One issue: each count with its share of the readers it was sent to, then the votes per tool. */
export function issueReport(stats: IssueStats): string {
  const rows = [...COUNTED, 'unsubscribed' as const].map((name) => [`  ${name}`, String(stats[name]), percent(stats[name], stats.sent)]);
  return [`${stats.week}: sent to ${stats.sent} reader${stats.sent === 1 ? '' : 's'}.`, table(rows), ...votesLines(stats)].join('\n');
}

/** Every issue, one row each, rates as a share of sent. */
export function weeksReport(all: readonly IssueStats[]): string {
  if (all.length === 0) return 'No issue has been sent yet.';
  const names = [...COUNTED, 'unsubscribed'] as const;
  const header = ['week', 'sent', ...names, 'votes'];
  const rows = all.map((s) => [
    s.week,
    String(s.sent),
    ...names.map((n) => `${s[n]} ${percent(s[n], s.sent)}`),
    String(Object.values(s.votes).reduce((n, v) => n + v.ship + v.skip, 0)),
  ]);
  return `${table([header, ...rows])}\nRates are shares of the readers each issue was sent to; readers count once however often they opened or clicked.`;
}

export default defineCommand({
  meta: {
    name: 'stats',
    description:
      'What happened to each issue after it went: delivered, opened, clicked, bounced, complained, unsubscribed, and reader votes',
  },
  args: {
    ...commonArgs,
    week: { type: 'string', description: 'one issue, such as 2026-W46 (default: a table of every issue sent)' },
    json: {
      type: 'boolean',
      description: 'print the numbers as JSON: one object with --week, else an array of every issue sent, oldest first',
    },
  },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const week = args.week === undefined ? undefined : WeekId.safeParse(args.week.trim().toUpperCase());
    if (week && !week.success) throw new UserError(`--week "${args.week}" is not an ISO week such as 2026-W46.`);
    const state = await openRunState(config, 'read');
    const all = await issueStats(state, config.timezone);
    if (week === undefined) {
      // Scripts get every issue, as the table shows them: an array, oldest first ([] before the first send).
      print(args.json ? JSON.stringify(all, null, 2) : weeksReport(all));
      return;
    }
    const one = all.find((s) => s.week === week.data);
    if (!one) throw new UserError(`${week.data} has not been sent: ${state.place}/ledger has no record of it.`);
    print(args.json ? JSON.stringify(one, null, 2) : issueReport(one));
  },
});
