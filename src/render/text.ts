import type { DigestProps } from '../../emails/WeeklyDigest.tsx';
import type { Comparison, Side } from '../digest/schema.ts';
import type { VoteLinks } from '../../emails/_components/Votes.tsx';
import {
  categoryLine,
  communityLine,
  comparisonTitle,
  decisiveness,
  glanceTitle,
  greeting,
  NEWSLETTER,
  NO_SHARED_REVIEWER,
  panelLine,
  paragraphs,
  personaName,
  pickedSide,
  pickLine,
  pricingLine,
  quotedTakes,
  takeLine,
  webUrl,
  whySentence,
  widestLine,
} from '../digest/wording.ts';

const WIDTH = 78;

/** Greedy word wrap; a word longer than the line (a URL) gets a line of its own and is never broken. */
export function wrap(text: string, indent = '', width = WIDTH): string[] {
  const lines: string[] = [];
  for (const source of text.split('\n')) {
    let line = '';
    for (const word of source.split(/\s+/).filter(Boolean)) {
      if (line && indent.length + line.length + 1 + word.length > width) {
        lines.push(indent + line);
        line = word;
      } else {
        line = line ? `${line} ${word}` : word;
      }
    }
    lines.push(indent + line);
  }
  return lines;
}

function underline(title: string, char: string): string[] {
  return [...wrap(title), char.repeat(Math.min([...title].length, WIDTH))];
}

function sideLines(side: Side, picked: boolean, votes: VoteLinks): string[] {
  const links = votes?.[side.slug];
  return [
    ...wrap(picked ? `${side.name} (our pick)` : side.name),
    ...wrap(side.tagline, '  '),
    ...wrap(categoryLine(side), '  '),
    ...wrap(`Pricing: ${pricingLine(side.pricing)}`, '  '),
    `  Panel: ${panelLine(side.panel)}`,
    `  Community: ${communityLine(side.community)}`,
    ...(links ? [`  Ship it: ${links.ship}`, `  Skip it: ${links.skip}`] : []),
  ];
}

function splitLines(comparison: Comparison, right: Side): string[] {
  const { rows } = comparison.reviewerSplit;
  const head = wrap(`Reviewer split (${comparison.left.name} / ${right.name}):`);
  if (rows.length === 0) return [...head, ...wrap(NO_SHARED_REVIEWER, '  ')];
  const body = rows.map((row) => `  ${personaName(row.persona).padEnd(10)}${takeLine(row.left).padStart(8)} / ${takeLine(row.right)}`);
  const note = widestLine(comparison.reviewerSplit);
  return [...head, ...body, ...(note ? wrap(note, '  ') : [])];
}

function takesLines(comparison: Comparison): string[] {
  const takes = quotedTakes(comparison);
  if (takes === null) return [];
  return [
    'What the reviewers said:',
    ...wrap(takes.lead, '  '),
    ...takes.quotes.flatMap((q) => [
      ...wrap(`“${q.text}”`, '    '),
      ...wrap(`(${takes.persona} on ${q.side.name}, ${takeLine(q)})`, '    '),
    ]),
    '',
  ];
}

/** One comparison as plain-text lines, numbered from `index` + 1: the pick and why first, as in the HTML. */
export function comparisonLines(comparison: Comparison, index: number, votes: VoteLinks = null): string[] {
  const { left, right } = comparison;
  const sides = right === null ? [left] : [left, right];
  const picked = pickedSide(comparison);
  const lines = [...underline(`${index + 1}. ${comparisonTitle(comparison)}`, '-'), ''];
  if (right !== null) lines.push(pickLine(comparison));
  lines.push(...wrap(whySentence(comparison)), '');
  for (const side of sides) lines.push(...sideLines(side, side === picked, votes), '');
  if (right !== null) lines.push(...takesLines(comparison), ...splitLines(comparison, right), '');
  for (const side of sides) {
    const href = webUrl(side.url);
    if (href) lines.push(`Visit ${side.name}: ${href}`);
  }
  return lines;
}

function glanceLines(comparisons: readonly Comparison[]): string[] {
  return [
    ...underline('This week at a glance', '-'),
    ...comparisons.flatMap((c, i) => wrap(`${i + 1}. ${glanceTitle(c)} · ${decisiveness(c)}`)),
    '',
  ];
}

/** The plain-text part of the digest: the same content in the same order as the HTML, readable on its own. Pure. */
export function digestText(props: DigestProps): string {
  const { links } = props;
  const hello = greeting(props.greetingName);
  const lines = [
    ...underline(NEWSLETTER.toUpperCase(), '='),
    ...wrap(props.weekLabel),
    '',
    ...(hello === null ? [] : [hello, '']),
    ...(props.intro === null ? [] : paragraphs(props.intro).flatMap((p) => [...wrap(p), ''])),
    ...glanceLines(props.comparisons),
    ...props.comparisons.flatMap((c, i) => [...comparisonLines(c, i, props.votes), '']),
    ...underline('About this email', '-'),
    ...wrap(`You get this email because you subscribed to ${NEWSLETTER}.`),
    '',
    `View in browser: ${links.viewInBrowser}`,
    `Email preferences: ${links.preferences}`,
    `Unsubscribe: ${links.unsubscribe}`,
    '',
    ...props.postalAddress.split('\n').flatMap((line) => wrap(line)),
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}
