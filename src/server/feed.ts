import { comparisonTitle, NEWSLETTER } from '../digest/wording.ts';
import type { Comparison, Issue } from '../digest/schema.ts';
import { weekRange } from '../digest/week.ts';
import { issueLabel } from './archive.ts';
import { FEED_PATH } from './pages.ts';

const XML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
// Characters XML 1.0 cannot carry at all, even escaped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are exactly what must be removed.
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
const xml = (text: string) => text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => XML_ENTITIES[c] ?? c);

function pickSentence(comparison: Comparison): string {
  if (comparison.right === null) return `${comparison.left.name}, new on its own.`;
  if (comparison.pick === 'toss-up') return `${comparisonTitle(comparison)}: a toss-up.`;
  const picked = [comparison.left, comparison.right].find((s) => s.slug === comparison.pick);
  return `${comparisonTitle(comparison)}: ship ${picked?.name ?? comparison.pick}.`;
}

/** An RSS 2.0 feed of the sent issues, newest first, each item linking to its archive page and naming its picks. */
export function issueFeed(issues: readonly Issue[], publicUrl: string): string {
  const items = issues.map((issue) => {
    const link = `${publicUrl}/issues/${issue.week}`;
    const lead = issue.comparisons[0] ? comparisonTitle(issue.comparisons[0]) : '';
    const more = issue.comparisons.length > 1 ? ` and ${issue.comparisons.length - 1} more` : '';
    // An issue goes out once its week has ended.
    const published = weekRange(issue.week, issue.timezone).end.toUTCString();
    return `<item>
<title>${xml(`${issueLabel(issue)}: ${lead}${more}`)}</title>
<link>${xml(link)}</link>
<guid isPermaLink="true">${xml(link)}</guid>
<pubDate>${published}</pubDate>
<description>${xml(issue.comparisons.map(pickSentence).join(' '))}</description>
</item>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${xml(NEWSLETTER)}</title>
<link>${xml(`${publicUrl}/`)}</link>
<description>Every week, the new AI tools head to head: a five-reviewer panel, community votes, pricing and a pick.</description>
<language>en</language>
<atom:link href="${xml(`${publicUrl}${FEED_PATH}`)}" rel="self" type="application/rss+xml"/>
${items.join('\n')}
</channel>
</rss>
`;
}
