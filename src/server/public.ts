import type { Hono } from 'hono';
import { currentCommunity } from '../digest/community.ts';
import { WeekId } from '../digest/schema.ts';
import type { Votes } from '../state/stores.ts';
import { issueSummary, type Archive } from './archive.ts';
import { issueFeed } from './feed.ts';
import { issuePage } from './issue-page.ts';
import { errorPage, FEED_PATH, issueIndexPage } from './pages.ts';

/** The public archive: `/issues`, `/issues/<week>` and the feed, for sent issues only. */
export function registerArchive(
  app: Hono,
  ctx: { publicUrl: string; archive: Archive; votes: Votes; categories: () => Promise<string[]> },
): void {
  app.get('/issues', async (c) => c.html(issueIndexPage(await ctx.archive.summaries())));

  app.get('/issues/:week', async (c) => {
    const week = WeekId.safeParse(c.req.param('week'));
    const issue = week.success ? await ctx.archive.issue(week.data) : null;
    if (!issue) return c.html(errorPage('Issue not found', 'There is no issue for this week.'), 404);
    const all = await ctx.archive.all();
    const at = all.findIndex((i) => i.week === issue.week);
    const newer = at > 0 ? all[at - 1] : undefined;
    const older = at >= 0 ? all[at + 1] : undefined;
    const [categories, tally] = await Promise.all([ctx.categories().catch(() => []), ctx.votes.current()]);
    const votes = tally.community();
    return c.html(
      issuePage({
        issue,
        label: issueSummary(issue).label,
        // Newest first: the next issue is the one before it in the list.
        next: newer ? issueSummary(newer) : null,
        previous: older ? issueSummary(older) : null,
        categories,
        community: (side) => currentCommunity(issue, side, votes),
      }),
    );
  });

  app.get(FEED_PATH, async (c) =>
    c.body(issueFeed(await ctx.archive.all(), ctx.publicUrl), 200, { 'Content-Type': 'application/rss+xml; charset=utf-8' }),
  );
}
