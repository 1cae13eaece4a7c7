import type { Config } from '../config.ts';
import type { Preview } from '../delivery/preview.ts';
import type { SendHooks, SendOutcome } from '../delivery/send-week.ts';
import type { SendReport } from '../delivery/batches.ts';
import { planPhrase } from '../delivery/skipped.ts';
import { comparisonsFor } from '../digest/issue.ts';
import { weekLabel } from '../digest/week.ts';
import { EVERY_CATEGORY_READER } from '../mail.ts';
import type { PreparedIssue } from '../pipeline.ts';
import { GMAIL_CLIP_BYTES, kilobytes } from '../render/size.ts';
import { print, printError } from './common.ts';
import { sendProgress, type Progress } from './progress.ts';

// Every sentence the commands print about an issue, a preview and a send, so `send`, `schedule` and `npm start` say the same.

export function issueHeadline({ issue, range, locked, restored, frozenAt }: PreparedIssue): string {
  const when = `${issue.week} (${weekLabel(range, issue.timezone)}, ${issue.timezone})`;
  if (issue.comparisons.length === 0) return `${when} has no new tools, so there is no issue and nothing to send.`;
  const tools = new Set(issue.comparisons.flatMap((c) => [c.left, c.right].flatMap((s) => (s?.isNew ? [s.slug] : [])))).size;
  const count = issue.comparisons.length === 1 ? '1 comparison' : `${issue.comparisons.length} comparisons`;
  const frozen = restored
    ? `put back as sent in ${frozenAt} (the file had gone; the send's ledger keeps the issue)`
    : `frozen in ${frozenAt}${locked ? ' as sent' : ''}`;
  return `${when}: ${tools} new tool${tools === 1 ? '' : 's'} in ${count}, ${frozen}.`;
}

/** What the editor's edition file changed, in one line; null without one, or once the issue is frozen by its send (nothing applies then). */
export function editionLine({ edition, editionFile, locked }: PreparedIssue): string | null {
  if (!edition || locked) return null;
  const parts = [
    edition.intro ? 'the intro note' : null,
    edition.exclude?.length ? `left out ${edition.exclude.join(', ')}` : null,
    edition.pairs?.length ? `fixed ${edition.pairs.map(([a, b]) => `${a} vs ${b}`).join(', ')}` : null,
    edition.spotlight ? `spotlight on ${edition.spotlight}` : null,
    edition.hold ? `held${typeof edition.hold === 'string' ? ` (${edition.hold})` : ''}` : null,
  ].filter((p): p is string => p !== null);
  return `From ${editionFile}: ${parts.length > 0 ? parts.join('; ') : 'nothing (the file sets no option)'}.`;
}

/** The sentence `send` and the scheduler print for a held week; null when it is not held. */
export function holdLine({ issue, edition, editionFile }: PreparedIssue): string | null {
  if (!edition?.hold) return null;
  const why = typeof edition.hold === 'string' ? ` (${edition.hold})` : '';
  return `${issue.week} is held by ${editionFile}${why}: nothing is sent until the hold is lifted.`;
}

/** The headline, then the edition file's line when there is one. */
export function issueLines(prepared: PreparedIssue): string[] {
  const fromEdition = editionLine(prepared);
  return [issueHeadline(prepared), ...(fromEdition ? [fromEdition] : [])];
}

/** What would hurt delivery or the reader, one sentence each. */
export function deliveryHazards(config: Config, preview: Preview): string[] {
  const { message, prepared } = preview;
  const hazards: string[] = [];
  if (message && Buffer.byteLength(message.html) > GMAIL_CLIP_BYTES)
    hazards.push('The HTML is over 102 KB, so Gmail will clip it and hide the unsubscribe link.');
  if (config.postalAddress === null) hazards.push("DIGEST_POSTAL_ADDRESS is not set: bulk mail must carry the sender's postal address.");
  if (!config.publicUrl.startsWith('https://'))
    hazards.push(`Links point at ${config.publicUrl}: readers can't reach it; set DIGEST_PUBLIC_URL to where \`serve\` runs, over https.`);
  const insecure = prepared.issue.comparisons
    .flatMap((c) => [c.left, c.right])
    .flatMap((s) => (s?.url.startsWith('http:') ? [s.slug] : []));
  if (insecure.length > 0) hazards.push(`Plain http: links (spam filters frown on them): ${[...new Set(insecure)].join(', ')}.`);
  const held = holdLine(prepared);
  if (held) hazards.push(held);
  return hazards;
}

/** What `preview` prints after the issue's lines. */
export function previewLines(config: Config, preview: Preview): string[] {
  const { prepared, message, reader } = preview;
  if (prepared.issue.comparisons.length === 0) return [];
  if (message === null)
    return [
      `${reader.email}: this reader gets no email: no matching categories (none of the comparisons is in ${reader.categories.join(', ')}).`,
    ];
  const shown = comparisonsFor(prepared.issue, reader.categories).length;
  const hazards = deliveryHazards(config, preview);
  return [
    `As ${reader === EVERY_CATEGORY_READER ? 'a reader of every category' : reader.email}: ${shown} of ${prepared.issue.comparisons.length} comparisons.`,
    `Subject: ${message.subject}`,
    `Preheader: ${preview.preheader ?? ''}`,
    `HTML: ${preview.html} (${(Buffer.byteLength(message.html) / 1024).toFixed(1)} KB)`,
    `Text: ${preview.text}`,
    hazards.length === 0 ? 'Nothing found that would hurt delivery.' : ['Before sending:', ...hazards.map((h) => `  - ${h}`)].join('\n'),
  ];
}

function counts(map: ReadonlyMap<string, number>): string {
  return [...map].map(([reason, n]) => `${n} ${reason}`).join(', ') || 'none';
}

function fateUnknownLine(readers: number): string {
  return `Fate unknown: ${readers} readers, in batches that went more than 23 hours ago without an answer, were left alone: Resend forgets a batch's key after 24 hours, so sending them again could give some of them the issue twice; \`send --resend-unknown\` sends them anyway.`;
}

export function reportLines(week: string, report: SendReport, via: string): string[] {
  if (report.alreadyComplete) return [`${week} was already sent to everyone (${report.sent} readers); nothing was sent again.`];
  const failed = [...report.failed.values()].reduce((a, b) => a + b, 0);
  return [
    `${week}: ${report.sentThisRun} sent now via ${via}; ${report.sent} readers have it in all.`,
    `Skipped: ${counts(report.skipped)}.`,
    `Failed: ${counts(report.failed)}.`,
    ...(report.notSent > 0 ? [`Not sent yet: ${report.notSent}.`] : []),
    ...(report.fateUnknown > 0 ? [fateUnknownLine(report.fateUnknown)] : []),
    ...(report.stoppedEarly ? [`Stopped early (${report.stoppedEarly}); run send again to finish: nobody gets a second copy.`] : []),
    ...(failed === 0 && report.notSent === 0 && report.fateUnknown === 0 && !report.stoppedEarly
      ? ['Everyone who should get this issue has it.']
      : []),
  ];
}

/** What `send` prints once the send is over (the headline came first, from `printingHooks`). */
export function sendLines(outcome: SendOutcome): string[] {
  switch (outcome.kind) {
    case 'no-issue':
      return [];
    case 'held':
      return [holdLine(outcome.prepared) ?? ''];
    case 'test-copy': {
      const { to, subject, via } = outcome;
      const whose = outcome.listed
        ? `their own copy as a reader of the list: ${outcome.shown} of ${outcome.prepared.issue.comparisons.length} comparisons`
        : `${to} is not on the list, so it is the issue of a reader of every category`;
      return [
        via === null
          ? `Dry run: would send one test copy to ${to}: "${subject}" (${whose}).`
          : `Sent a test copy to ${to} via ${via}: "${subject}" (${whose}).`,
      ];
    }
    case 'no-test-copy':
      return [`${outcome.to} is on the list but gets no email: ${outcome.reason}; no test copy was sent.`];
    case 'sent': {
      const {
        prepared: { issue },
        report,
        via,
      } = outcome;
      if (!outcome.dryRun) return reportLines(issue.week, report, via);
      return [
        report.alreadyComplete
          ? `Dry run: ${issue.week} was already sent to everyone; nothing would be sent.`
          : `Dry run: would send ${planPhrase(report.planned.recipients, report.planned.batches)} via ${via}; nothing was sent.`,
        `Largest message: ${kilobytes(outcome.prepared.htmlBytes)} of HTML (Gmail clips at ${kilobytes(GMAIL_CLIP_BYTES)}).`,
        `Skipped: ${counts(report.skipped)}.`,
      ];
    }
  }
}

/** Hooks that print a send as it goes: the headline, the list's problems, a stop and the progress; `finish` ends the progress bar. */
export function printingHooks(): SendHooks & { finish(): void } {
  let progress: Progress | null = null;
  return {
    onIssue: (prepared) => print(issueHeadline(prepared)),
    onProblem: (problem) => printError(problem),
    onStopping: () => printError('Stopping after the batch in flight; run send again to finish.'),
    onWaiting: (holder) =>
      printError(`Another send of this issue is running (${holder}); waiting for it to finish (Ctrl-C stops waiting).`),
    onStart: (total) => {
      progress = sendProgress(total);
    },
    onBatch: ({ batch, recipients, outcome }) => progress?.batchDone(batch, recipients, outcome),
    finish: () => progress?.stop(),
  };
}
