import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { ConfirmSubscriptionProps } from '../emails/ConfirmSubscription.tsx';
import type { DigestProps } from '../emails/WeeklyDigest.tsx';
import { loadCatalog } from './catalog/load.ts';
import type { Tool } from './catalog/schema.ts';
import { buildIssue } from './digest/issue.ts';
import { Issue, PanelLabel, type PanelVerdict } from './digest/schema.ts';
import { panelVerdict } from './digest/verdict.ts';
import { addedInstant, weekOf, weekRange } from './digest/week.ts';
import type { Recipient, SenderSettings } from './mail.ts';
import { NEWSLETTER } from './digest/wording.ts';
import { confirmationProps } from './render/confirmation.ts';
import { digestProps } from './render/message.ts';
import { present } from './invariant.ts';
import { readTextIfExists, writeFileDurably } from './files.ts';

/**
 * The sample run's own signing key, `<folder>/secret` (32 random bytes, made once, only its owner may read it): every
 * later run signs with it, so the links of the sample's messages, old ones too, work against the sample's pages.
 */
export async function sampleSecret(folder: string): Promise<string> {
  const file = path.join(folder, 'secret');
  const kept = (await readTextIfExists(file))?.trim();
  if (kept) return kept;
  const secret = randomBytes(32).toString('hex');
  await writeFileDurably(file, `${secret}\n`);
  return secret;
}

/** The latest week with a tool in the catalog, in `timezone`; null for an empty catalog. */
export function latestWeek(catalog: { addedAt: string }[], timezone: string): string | null {
  return (
    catalog
      .map((t) => weekOf(addedInstant(t.addedAt, timezone), timezone))
      .sort()
      .at(-1) ?? null
  );
}

/** The week with the most new tools in `timezone` (the latest of those on a tie); null for an empty catalog. */
export function busiestWeek(catalog: { addedAt: string }[], timezone: string): string | null {
  const counts = new Map<string, number>();
  for (const t of catalog) {
    const week = weekOf(addedInstant(t.addedAt, timezone), timezone);
    counts.set(week, (counts.get(week) ?? 0) + 1);
  }
  return [...counts].sort(([a, m], [b, n]) => n - m || b.localeCompare(a)).at(0)?.[0] ?? null;
}

/**
 * An issue of the sample catalog (UTC, best-match, no history): by default its latest week, which is what the
 * preview server shows; `pickWeek` chooses another (e.g. `busiestWeek`).
 */
export async function sampleIssue(dataDir = 'data', pickWeek: typeof latestWeek = latestWeek): Promise<Issue> {
  const catalog = await loadCatalog(dataDir);
  const week = pickWeek(catalog, 'UTC');
  if (week === null) throw new Error(`${dataDir}/tools is empty.`);
  return Issue.parse(buildIssue(catalog, weekRange(week, 'UTC'), 'UTC', { strategy: 'best-match', sentPairs: new Set() }));
}

/** The reader the previews are rendered for: named, every category. */
export const PREVIEW_READER: Recipient = { email: 'ada.park@example.com', name: 'Ada', categories: [] };

/** Example sender settings for previews; the links point at example.com and are signed with a throwaway secret. */
export const PREVIEW_SETTINGS: SenderSettings = {
  from: `${NEWSLETTER} <verdicts@example.com>`,
  publicUrl: 'https://verdicts.example.com',
  secret: 'preview-only',
  postalAddress: `${NEWSLETTER}, 123 Example Street, Springfield, ST 00000, USA`,
};

/** What the preview server shows: the sample issue for a named reader of every category, with example links. */
export function previewProps(issue: Issue): DigestProps {
  return present(digestProps(issue, PREVIEW_READER, PREVIEW_SETTINGS), 'the sample reader, who reads every category,');
}

/** The confirmation email a preview reader would get at the end of the issue's week, as the signup flow builds it. */
export function confirmPreviewProps(issue: Issue): ConfirmSubscriptionProps {
  return confirmationProps(PREVIEW_READER.email, PREVIEW_SETTINGS, weekRange(issue.week, issue.timezone).end);
}

/** A tool of the catalog with its panel verdict, for the PanelBadge preview. */
export interface PanelSample {
  name: string;
  panel: PanelVerdict;
}

/** One catalog tool per panel label (the first by slug), in label order; a label no tool has is left out. */
export function panelSamples(catalog: readonly Tool[]): PanelSample[] {
  const samples = [...catalog].sort((a, b) => a.slug.localeCompare(b.slug)).map((t) => ({ name: t.name, panel: panelVerdict(t) }));
  return PanelLabel.options.flatMap((label) => samples.find((s) => s.panel.label === label) ?? []);
}
