import type { DigestProps } from '../emails/WeeklyDigest.tsx';
import { loadCatalog } from './catalog/load.ts';
import { buildIssue } from './digest/issue.ts';
import { Issue } from './digest/schema.ts';
import { addedInstant, weekOf, weekRange } from './digest/week.ts';
import { digestProps } from './render/message.ts';

/** The latest week with a tool in the catalog, in `timezone`; null for an empty catalog. */
export function latestWeek(catalog: { addedAt: string }[], timezone: string): string | null {
  return catalog.map((t) => weekOf(addedInstant(t.addedAt, timezone), timezone)).sort().at(-1) ?? null;
}

/** The issue of the sample catalog's latest week (UTC, best-match, no history): what the preview server shows. */
export async function sampleIssue(dataDir = 'data'): Promise<Issue> {
  const catalog = await loadCatalog(dataDir);
  const week = latestWeek(catalog, 'UTC');
  if (week === null) throw new Error(`${dataDir}/tools is empty.`);
  return Issue.parse(buildIssue(catalog, weekRange(week, 'UTC'), 'UTC', { strategy: 'best-match', sentPairs: new Set() }));
}

/** What the preview server shows: the sample issue for a named reader of every category, with example links. */
export function previewProps(issue: Issue): DigestProps {
  const settings = { from: 'Weekly AI Tool Verdicts <verdicts@example.com>', publicUrl: 'https://verdicts.example.com', secret: 'preview-only', postalAddress: 'Weekly AI Tool Verdicts, 123 Example Street, Springfield, ST 00000, USA' };
  return digestProps(issue, { email: 'ada.park@example.com', name: 'Ada', categories: [] }, settings)!;
}
