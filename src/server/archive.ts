import { render } from '@react-email/render';
import { createElement } from 'react';
import WeeklyDigest, { type DigestProps } from '../../emails/WeeklyDigest.tsx';
import { comparisonTitle } from '../../emails/components/format.ts';
import type { Issue } from '../digest/schema.ts';
import type { SenderSettings } from '../mail.ts';
import { digestProps } from '../render/message.ts';
import type { IssueStore } from '../state/issues.ts';
import type { IssueSummary } from './pages.ts';

const EVERY_TOPIC = { email: 'archive@localhost', name: null, categories: [] };

/** The digest as an all-topics reader sees it, with the archive and signup page where the email has personal links. */
export function archiveProps(issue: Issue, settings: SenderSettings): DigestProps | null {
  const props = digestProps(issue, EVERY_TOPIC, settings);
  if (props === null) return null;
  const base = settings.publicUrl;
  return { ...props, links: { viewInBrowser: `${base}/issues`, unsubscribe: `${base}/unsubscribe`, preferences: `${base}/` } };
}

/** The issue's web page, or null when it has no comparison (a week that sent nothing). */
export async function archivePage(issue: Issue, settings: SenderSettings): Promise<string | null> {
  const props = archiveProps(issue, settings);
  return props === null ? null : render(createElement(WeeklyDigest, props));
}

/** How the index lists an issue, or null when it has no comparison. */
export function issueSummary(issue: Issue, settings: SenderSettings): IssueSummary | null {
  const props = archiveProps(issue, settings);
  return props === null ? null : { week: issue.week, label: props.weekLabel, titles: props.comparisons.map(comparisonTitle) };
}

/** Every readable frozen issue with at least one comparison, newest first. */
export async function pastIssues(store: IssueStore, settings: SenderSettings): Promise<IssueSummary[]> {
  const weeks = (await store.weeks()).reverse();
  const issues = await Promise.all(weeks.map((week) => store.read(week).catch(() => null)));
  return issues.flatMap((issue) => {
    const summary = issue && issueSummary(issue, settings);
    return summary ? [summary] : [];
  });
}
