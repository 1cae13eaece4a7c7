import { render } from '@react-email/render';
import { createElement } from 'react';
import WeeklyDigest, { type DigestProps } from '../../emails/WeeklyDigest.tsx';
import type { VoteLinks } from '../../emails/_components/Votes.tsx';
import { givenName, glanceTitle, NEWSLETTER, pickedSide, shortenTake, whySentence } from '../digest/wording.ts';
import { comparisonsFor } from '../digest/issue.ts';
import type { Comparison, Issue, Side } from '../digest/schema.ts';
import { weekLabel, weekRange } from '../digest/week.ts';
import type { OutgoingEmail, Recipient, SenderSettings } from '../mail.ts';
import { headerSafe } from '../plain-text.ts';
import { signToken, signVoteToken } from '../subscribers/tokens.ts';
import { digestText } from './text.ts';

/** The preheader's length in characters, about what an inbox shows of it. */
const PREHEADER_LIMIT = 140;

// Only the local outbox gets here: a real send refuses without DIGEST_POSTAL_ADDRESS (see config.ts).
const MISSING_POSTAL_ADDRESS = "The sender's postal address (DIGEST_POSTAL_ADDRESS) goes here.";

/** The reader's signed tokens for the unsubscribe and preferences links. */
export function readerTokens(secret: string, email: string): { unsubscribe: string; preferences: string } {
  return { unsubscribe: signToken(secret, 'unsubscribe', email), preferences: signToken(secret, 'preferences', email) };
}

export function digestLinks(
  settings: SenderSettings,
  week: string,
  tokens: { unsubscribe: string; preferences: string },
): DigestProps['links'] {
  return {
    viewInBrowser: `${settings.publicUrl}/issues/${week}`,
    unsubscribe: `${settings.publicUrl}/unsubscribe?token=${tokens.unsubscribe}`,
    preferences: `${settings.publicUrl}/preferences?token=${tokens.preferences}`,
  };
}

/** The comparison the subject leads with: the widest panel margin among those with a pick, the first on a tie; else the first. */
export function headlineOf(comparisons: readonly Comparison[]): Comparison | undefined {
  const margin = (c: Comparison): [number, number] => {
    const winner = pickedSide(c);
    if (winner === null) return [-Infinity, -Infinity];
    const loser = winner === c.left ? c.right : c.left;
    if (loser === null) return [-Infinity, -Infinity];
    // A pick decided without both panels (one tool unreviewed) ranks below any panel margin.
    if (winner.panel.percent === null || loser.panel.percent === null) return [-1, 0];
    // A panel with a ship rate has takes, so a mean score too.
    return [winner.panel.percent - loser.panel.percent, (winner.panel.meanScore ?? 0) - (loser.panel.meanScore ?? 0)];
  };
  let best: Comparison | undefined;
  for (const c of comparisons) {
    if (best === undefined) best = c;
    const [a, b] = [margin(c), margin(best)];
    if (a[0] > b[0] || (a[0] === b[0] && a[1] > b[1])) best = c;
  }
  return best;
}

/** The tool every comparison meets, in a spotlight week of two or more comparisons; else null. */
function spotlightOf(comparisons: readonly Comparison[]): Side | null {
  const star = comparisons[0]?.right ?? null;
  if (comparisons.length < 2 || star === null) return null;
  return comparisons.every((c) => c.right?.slug === star.slug) ? star : null;
}

function headlinePhrase(c: Comparison, star: Side | null, count: number): string {
  const winner = pickedSide(c);
  if (c.right === null) return `New this week: ${c.left.name}`;
  if (winner === null) return `${c.left.name} vs ${c.right.name}: a toss-up`;
  const loser = winner === c.left ? c.right : c.left;
  if (star !== null)
    return `${star.name} vs ${count} new tools: ${winner.slug === star.slug ? `it beats ${loser.name}` : `${winner.name} beats it`}`;
  return `${winner.name} beats ${loser.name}`;
}

/**
 * "Mistral 8x24B beats Code Llama 4, and 4 more verdicts": the headline pick first, never an ISO week code.
 * A spotlight week reads "SkillClaw vs 4 new tools: SmolLM3 beats it, and 3 more verdicts".
 */
export function subjectOf(comparisons: readonly Comparison[]): string {
  const headline = headlineOf(comparisons);
  if (headline === undefined) return `${NEWSLETTER}: no new tools this week`;
  const star = spotlightOf(comparisons);
  const more = comparisons.length - 1;
  return `${headlinePhrase(headline, star, comparisons.length)}${more === 0 ? '' : `, and ${more} more verdict${more === 1 ? '' : 's'}`}`;
}

/** The inbox preview line, continuing the subject: the other picks, or why the only pick wins; at most 140 characters, cut between words. */
export function preheaderOf(comparisons: readonly Comparison[]): string {
  const headline = headlineOf(comparisons);
  if (headline === undefined) return '';
  const others = comparisons.filter((c) => c !== headline);
  const text =
    others.length === 0
      ? whySentence(headline)
      : `Also: ${others.map((c) => (pickedSide(c) || c.right === null ? glanceTitle(c) : `${glanceTitle(c)} (toss-up)`)).join('; ')}. With the reviewers' own words.`;
  return shortenTake(text, PREHEADER_LIMIT);
}

/** A reader's signed "Ship it" and "Skip it" links for every tool of `comparisons`, by slug. */
export function voteLinks(
  settings: SenderSettings,
  week: string,
  email: string,
  comparisons: readonly Comparison[],
): NonNullable<VoteLinks> {
  const link = (slug: string, choice: 'ship' | 'skip') =>
    `${settings.publicUrl}/vote?token=${signVoteToken(settings.secret, { email, week, slug, choice })}`;
  return Object.fromEntries(toolSlugs(comparisons).map((slug) => [slug, { ship: link(slug, 'ship'), skip: link(slug, 'skip') }]));
}

/** Every tool of the comparisons once, in order of appearance. */
export function toolSlugs(comparisons: readonly Comparison[]): string[] {
  return [...new Set(comparisons.flatMap((c) => (c.right ? [c.left.slug, c.right.slug] : [c.left.slug])))];
}

/** The digest's props for one reader, or null when none of the issue's comparisons is in their categories. */
export function digestProps(issue: Issue, recipient: Recipient, settings: SenderSettings): DigestProps | null {
  const comparisons = comparisonsFor(issue, recipient.categories);
  if (comparisons.length === 0) return null;
  return {
    weekLabel: `Week ${Number(issue.week.slice(6))} · ${weekLabel(weekRange(issue.week, issue.timezone), issue.timezone)}`,
    preheader: preheaderOf(comparisons),
    greetingName: givenName(recipient.name),
    intro: issue.intro,
    comparisons,
    votes: voteLinks(settings, issue.week, recipient.email, comparisons),
    links: digestLinks(settings, issue.week, readerTokens(settings.secret, recipient.email)),
    postalAddress: settings.postalAddress ?? MISSING_POSTAL_ADDRESS,
  };
}

/** RFC 8058 one-click unsubscribe, on every message to a subscriber. */
export function unsubscribeHeaders(unsubscribeUrl: string): Record<string, string> {
  return { 'List-Unsubscribe': `<${headerSafe(unsubscribeUrl)}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' };
}

/**
 * The message around a rendered HTML body: subject, plain text and the RFC 8058 one-click unsubscribe headers.
 * The catalog refuses control characters in the names a subject quotes; a frozen issue written before it did, or
 * edited since, still never puts one into a header.
 */
export function messageFrom(
  props: DigestProps,
  recipient: Recipient,
  settings: SenderSettings,
  html: string,
  options: { test?: boolean } = {},
): OutgoingEmail {
  const subject = headerSafe(subjectOf(props.comparisons));
  return {
    to: recipient.email,
    from: headerSafe(settings.from),
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
export async function renderMessage(
  issue: Issue,
  recipient: Recipient,
  settings: SenderSettings,
  options: { test?: boolean } = {},
): Promise<OutgoingEmail | null> {
  const props = digestProps(issue, recipient, settings);
  if (props === null) return null;
  return messageFrom(props, recipient, settings, await render(createElement(WeeklyDigest, props)), options);
}
