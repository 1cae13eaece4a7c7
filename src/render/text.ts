import type { DigestProps } from '../../emails/WeeklyDigest.tsx';
import type { Comparison, Side } from '../digest/schema.ts';
import {
  categoryLine, communityLine, comparisonTitle, greeting, NO_SHARED_REVIEWER, panelLine, paragraphs, personaName,
  pickLine, pricingLine, SOLO_NOTE, takeLine, webUrl, widestLine,
} from '../../emails/components/format.ts';

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

function sideLines(side: Side): string[] {
  return [
    ...wrap(side.name),
    ...wrap(side.tagline, '  '),
    ...wrap(categoryLine(side), '  '),
    ...wrap(`Pricing: ${pricingLine(side.pricing)}`, '  '),
    `  Panel: ${panelLine(side.panel)}`,
    `  Community: ${communityLine(side.community)}`,
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

/** One comparison as plain-text lines, numbered from `index` + 1. */
export function comparisonLines(comparison: Comparison, index: number): string[] {
  const { left, right } = comparison;
  const sides = right === null ? [left] : [left, right];
  const lines = [...underline(`${index + 1}. ${comparisonTitle(comparison)}`, '-'), ''];
  if (right === null) lines.push(...wrap(SOLO_NOTE), '');
  for (const side of sides) lines.push(...sideLines(side), '');
  if (right !== null) lines.push(...splitLines(comparison, right), '', pickLine(comparison));
  lines.push(...wrap(comparison.summary), '');
  for (const side of sides) {
    const href = webUrl(side.url);
    if (href) lines.push(`Visit ${side.name}: ${href}`);
  }
  return lines;
}

/** The plain-text part of the digest: the same content as the HTML, readable on its own. Pure. */
export function digestText(props: DigestProps): string {
  const { links } = props;
  const lines = [
    ...underline('WEEKLY AI TOOL VERDICTS', '='),
    ...wrap(props.weekLabel),
    '',
    greeting(props.greetingName),
    '',
    ...(props.intro === null ? [] : paragraphs(props.intro).flatMap((p) => [...wrap(p), ''])),
    ...props.comparisons.flatMap((c, i) => [...comparisonLines(c, i), '']),
    ...underline('About this email', '-'),
    ...wrap('You get this email because you subscribed to Weekly AI Tool Verdicts.'),
    '',
    `View in browser: ${links.viewInBrowser}`,
    `Email preferences: ${links.preferences}`,
    `Unsubscribe: ${links.unsubscribe}`,
    '',
    ...props.postalAddress.split('\n').flatMap((line) => wrap(line)),
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}
