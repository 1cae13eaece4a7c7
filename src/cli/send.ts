import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { defineCommand } from 'citty';
import type { Config } from '../config.ts';
import { audienceOf, sendIssue, type SendReport } from '../delivery/send.ts';
import type { Strategy } from '../digest/schema.ts';
import { UserError } from '../errors.ts';
import { prepareIssue } from '../pipeline.ts';
import { renderMessage } from '../render/message.ts';
import { Address } from '../subscribers/schema.ts';
import { LiveSubscribers, SubscriberStore } from '../subscribers/store.ts';
import { withLock } from '../state/lock.ts';
import { holdLine, issueHeadline } from './build.ts';
import { commonArgs, configFrom, now, outboxDir, pairingArgs, senderSettings, strictFlags, transportFor, weekArg } from './common.ts';
import { ALL_TOPICS_READER } from './preview.ts';
import { sendProgress, type Progress } from './progress.ts';

function counts(map: ReadonlyMap<string, number>): string {
  return [...map].map(([reason, n]) => `${n} ${reason}`).join(', ') || 'none';
}

export function reportLines(week: string, report: SendReport, via: string): string[] {
  if (report.alreadyComplete) return [`${week} was already sent to everyone (${report.sent} readers); nothing was sent again.`];
  const failed = [...report.failed.values()].reduce((a, b) => a + b, 0);
  return [
    `${week}: ${report.sentThisRun} sent now via ${via}; ${report.sent} readers have it in all.`,
    `Skipped: ${counts(report.skipped)}.`,
    `Failed: ${counts(report.failed)}.`,
    ...(report.notSent > 0 ? [`Not sent yet: ${report.notSent}.`] : []),
    ...(report.stoppedEarly ? [`Stopped early (${report.stoppedEarly}); run send again to finish: nobody gets a second copy.`] : []),
    ...(failed === 0 && report.notSent === 0 && !report.stoppedEarly ? ['Everyone who should get this issue has it.'] : []),
  ];
}

/** Sends the issue to every subscriber who should get it, or one [TEST] copy; returns the exit status. */
export async function runSend(config: Config, options: { week?: string; dryRun?: boolean; to?: string; strategy?: Strategy; spotlight?: string }): Promise<number> {
  // Listening from the start, so an interrupt while the issue is prepared still ends in a report, not a killed process.
  let stop = false;
  const onSignal = () => {
    stop = true;
    console.error('Stopping after the batch in flight; run send again to finish.');
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await sendWeek(config, options, () => stop);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function sendWeek(config: Config, options: { week?: string; dryRun?: boolean; to?: string; strategy?: Strategy; spotlight?: string }, shouldStop: () => boolean): Promise<number> {
  const prepared = await prepareIssue(config, { week: options.week, strategy: options.strategy, spotlight: options.spotlight, now: now() });
  const { issue } = prepared;
  console.log(issueHeadline(prepared));
  if (issue.comparisons.length === 0) return 0;
  const settings = senderSettings(config);

  if (options.to !== undefined) {
    const address = Address.safeParse(options.to);
    if (!address.success) throw new UserError(`--to "${options.to}" is not a valid email address.`);
    const message = await renderMessage(issue, { ...ALL_TOPICS_READER, email: address.data }, settings, { test: true });
    if (options.dryRun) {
      console.log(`Dry run: would send one test copy to ${address.data}: "${message!.subject}".`);
      return 0;
    }
    const transport = transportFor(config, path.join(outboxDir(config, issue.week), 'test'));
    const outcome = await transport.sendBatch([message!], `test-${issue.week}-${randomUUID()}`);
    if (outcome.kind === 'failed') throw new UserError(`The test copy to ${address.data} was not sent: ${outcome.reason}.`);
    console.log(`Sent a test copy to ${address.data} via ${transport.description}: "${message!.subject}".`);
    return 0;
  }

  const held = holdLine(prepared);
  if (held) {
    console.log(held);
    return 0;
  }
  const { list, problems } = await new LiveSubscribers(config.subscribersFile, new SubscriberStore(config.stateDir)).current();
  for (const p of problems) console.error(p.problem);
  const audience = audienceOf(issue, list, problems);
  const transport = transportFor(config, outboxDir(config, issue.week));
  // A dry run only reads, so it may look while a send runs.
  const exclusive = options.dryRun ? <T>(work: () => Promise<T>) => work() : <T>(work: () => Promise<T>) => withLock(config.stateDir, `send-${issue.week}`, work, `send of ${issue.week}`);
  return await exclusive(async () => {
    let progress: Progress | null = null;
    const report = await sendIssue({
      issue,
      audience,
      settings,
      transport,
      stateDir: config.stateDir,
      dryRun: options.dryRun,
      shouldStop,
      onStart: (total) => {
        progress = sendProgress(total);
      },
      onBatch: ({ batch, recipients, outcome }) => progress?.batchDone(batch, recipients, outcome),
    });
    (progress as Progress | null)?.stop();
    if (options.dryRun) {
      console.log(report.alreadyComplete
        ? `Dry run: ${issue.week} was already sent to everyone; nothing would be sent.`
        : `Dry run: would send ${report.planned.recipients} messages in ${report.planned.batches} batches via ${transport.description}; nothing was sent.`);
      console.log(`Skipped: ${counts(report.skipped)}.`);
      return 0;
    }
    for (const line of reportLines(issue.week, report, transport.description)) console.log(line);
    return report.failed.size === 0 && report.notSent === 0 && !report.stoppedEarly ? 0 : 1;
  });
}

export default defineCommand({
  meta: { name: 'send', description: 'Send the issue to every subscriber who should get it, exactly once' },
  args: {
    ...commonArgs,
    ...weekArg,
    ...pairingArgs,
    'dry-run': { type: 'boolean', description: 'send nothing; report what would be sent' },
    to: { type: 'string', description: 'send one test copy, subject marked [TEST], to this address' },
  },
  plugins: [strictFlags],
  async run({ args }) {
    process.exitCode = await runSend(configFrom(args), {
      week: args.week,
      dryRun: args['dry-run'],
      to: args.to,
      strategy: args.strategy as Strategy | undefined,
      spotlight: args.spotlight,
    });
  },
});
