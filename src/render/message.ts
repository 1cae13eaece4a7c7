import { render } from '@react-email/render';
import { createElement } from 'react';
import WeeklyDigest, { type DigestProps } from '../../emails/WeeklyDigest.tsx';
import { comparisonTitle } from '../../emails/components/format.ts';
import { comparisonsFor } from '../digest/issue.ts';
import type { Comparison, Issue } from '../digest/schema.ts';
import { weekLabel, weekRange } from '../digest/week.ts';
import type { OutgoingEmail, Recipient, SenderSettings } from '../mail.ts';
import { signToken } from '../subscribers/tokens.ts';
import { digestText } from './text.ts';

export const NEWSLETTER = 'Weekly AI Tool Verdicts';
const MISSING_POSTAL_ADDRESS = 'Postal address not set: define DIGEST_POSTAL_ADDRESS.';

/** The reader's signed tokens for the unsubscribe and preferences links. */
export function readerTokens(secret: string, email: string): { unsubscribe: string; preferences: string } {
  return { unsubscribe: signToken(secret, 'unsubscribe', email), preferences: signToken(secret, 'preferences', email) };
}

export function digestLinks(settings: SenderSettings, week: string, tokens: { unsubscribe: string; preferences: string }): DigestProps['links'] {
  return {
    viewInBrowser: `${settings.publicUrl}/issues/${week}`,
    unsubscribe: `${settings.publicUrl}/unsubscribe?token=${tokens.unsubscribe}`,
    preferences: `${settings.publicUrl}/preferences?token=${tokens.preferences}`,
  };
}

/** "Weekly AI Tool Verdicts, 2026-W46: SmolLM3 vs SmolVLM2 and 3 more" */
export function subjectOf(week: string, comparisons: readonly Comparison[]): string {
  const first = comparisons[0];
  const lead = first ? comparisonTitle(first) : 'no new tools';
  const more = comparisons.length > 1 ? ` and ${comparisons.length - 1} more` : '';
  return `${NEWSLETTER}, ${week}: ${lead}${more}`;
}

/** The inbox preview line: the picks, shortened to what clients show. */
export function preheaderOf(comparisons: readonly Comparison[]): string {
  const count = comparisons.length === 1 ? 'One head-to-head' : `${comparisons.length} head-to-heads`;
  const text = `${count} this week: ${comparisons.map(comparisonTitle).join(', ')}.`;
  return text.length <= 140 ? text : `${text.slice(0, 139).trimEnd()}…`;
}

/** The digest's props for one reader, or null when none of the issue's comparisons is in their categories. */
export function digestProps(issue: Issue, recipient: Recipient, settings: SenderSettings): DigestProps | null {
  const comparisons = comparisonsFor(issue, recipient.categories);
  if (comparisons.length === 0) return null;
  return {
    weekLabel: `Week ${Number(issue.week.slice(6))} · ${weekLabel(weekRange(issue.week, issue.timezone), issue.timezone)}`,
    preheader: preheaderOf(comparisons),
    greetingName: recipient.name,
    intro: issue.intro,
    comparisons,
    links: digestLinks(settings, issue.week, readerTokens(settings.secret, recipient.email)),
    postalAddress: settings.postalAddress ?? MISSING_POSTAL_ADDRESS,
  };
}

/** RFC 8058 one-click unsubscribe, on every message to a subscriber. */
export function unsubscribeHeaders(unsubscribeUrl: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/** The message around a rendered HTML body: subject, plain text and the RFC 8058 one-click unsubscribe headers. */
export function messageFrom(props: DigestProps, recipient: Recipient, issue: Issue, settings: SenderSettings, html: string, options: { test?: boolean } = {}): OutgoingEmail {
  const subject = subjectOf(issue.week, props.comparisons);
  return {
    to: recipient.email,
    from: settings.from,
    subject: options.test ? `[TEST] ${subject}` : subject,
    html,
    text: digestText(props),
    headers: unsubscribeHeaders(props.links.unsubscribe),
  };
}

/**
 * The message one reader gets, rendered directly: the reference that DigestRenderer's fast path must match.
 * Deterministic: the same issue, reader and settings always give the same bytes.
 */
export async function renderMessage(issue: Issue, recipient: Recipient, settings: SenderSettings, options: { test?: boolean } = {}): Promise<OutgoingEmail | null> {
  const props = digestProps(issue, recipient, settings);
  if (props === null) return null;
  return messageFrom(props, recipient, issue, settings, await render(createElement(WeeklyDigest, props)), options);
}
