import type { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Side } from '../digest/schema.ts';
import { currentCommunity } from '../digest/community.ts';
import type { Readers, Votes } from '../state/stores.ts';
import { VOTE_CHANGES } from '../state/votes.ts';
import type { ListReader } from '../state/stores.ts';
import { verifyVoteToken, type Vote } from '../subscribers/tokens.ts';
import { communityLine } from '../digest/wording.ts';
import type { Archive } from './archive.ts';
import { html } from './html.ts';
import { errorPage, layout } from './pages.ts';

const verb = (choice: Vote['choice']) => (choice === 'ship' ? 'Ship' : 'Skip');

/** `GET /vote`: the reader's choice as a question with one button; the GET itself records nothing, so link scanners can't vote. */
export function votePage(vote: Vote, tool: Pick<Side, 'name'>, token: string, standing: Vote['choice'] | undefined): string {
  const already =
    standing === undefined
      ? ''
      : standing === vote.choice
        ? html`<p class="notice">You already voted to ${vote.choice} ${tool.name}; voting again changes nothing.</p>`
        : html`<p class="notice">You voted to ${standing} ${tool.name}; this replaces it.</p>`;
  return layout(
    `${verb(vote.choice)} ${tool.name}?`,
    html`<p>Your vote adds to ${tool.name}'s community numbers in the issues and the archive. Only your latest vote on a tool counts.</p>
${already}
<form method="post" action="/vote">
<input type="hidden" name="token" value="${token}">
<button type="submit">${verb(vote.choice)} ${tool.name}</button>
</form>`,
  );
}

/** After the button: what was recorded and where the tool stands now. */
export function votedPage(vote: Vote, tool: Pick<Side, 'name'>, community: string): string {
  return layout(
    'Thanks, your vote counts',
    html`<p role="status">You voted to ${vote.choice} ${tool.name}.</p>
<p>Community now: ${community}.</p>
<p>Changed your mind? Use the other link under ${tool.name} in your email. <a href="/issues/${vote.week}">Read the issue on the web</a>.</p>`,
  );
}

const badVote = () => errorPage('This link does not work', 'It is incomplete or altered. Use the Ship it or Skip it link from your email.');
// One sentence whatever the reason, so the page says no more about the list than the link itself does.
const notCounted = () =>
  errorPage('Your vote was not counted', 'Votes count only from subscribers who were sent this issue and are still on the list.');

/** "3 hours", "1 minute": how long until the seconds have passed, rounded up. */
function waitOf(seconds: number): string {
  const [count, unit] = seconds >= 3600 ? [Math.ceil(seconds / 3600), 'hour'] : [Math.ceil(seconds / 60), 'minute'];
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}

function tooOften(standing: Vote['choice'], tool: Pick<Side, 'name'>, retryAfterSeconds: number): string {
  return errorPage(
    'Too many changes',
    `Your vote to ${standing} ${tool.name} stands: a vote on a tool can change ${VOTE_CHANGES.changes} times in ${VOTE_CHANGES.windowMs / 3_600_000} hours. Try again in ${waitOf(retryAfterSeconds)}.`,
  );
}

/** `GET /vote?token=` and its button's `POST /vote`: one reader's ship or skip on one tool of one issue, recorded durably. */
export function registerVotes(
  app: Hono,
  ctx: { secret: string; now: () => Date; votes: Votes; archive: Archive; subscribers: ListReader; readers: Readers },
): void {
  /** The vote a token stands for and the tool it names, or null when forged, altered or not a tool of a sent issue. */
  const resolve = async (token: string | undefined) => {
    const vote = token ? verifyVoteToken(ctx.secret, token) : null;
    if (!vote) return null;
    const issue = await ctx.archive.issue(vote.week);
    const tool = issue?.comparisons.flatMap((c) => [c.left, c.right]).find((s) => s?.slug === vote.slug);
    return issue && tool ? { vote, issue, tool } : null;
  };
  /** Whether the vote may count: its reader is active now and was sent the issue. */
  const counts = async (vote: Vote) =>
    (await ctx.subscribers.current()).list.get(vote.email)?.status === 'active' && (await ctx.readers.has(vote.week, vote.email));

  app.get('/vote', async (c) => {
    const token = c.req.query('token');
    const found = await resolve(token);
    if (!found || token === undefined) return c.html(badVote(), 400);
    if (!(await counts(found.vote))) return c.html(notCounted(), 403);
    const standing = (await ctx.votes.current()).choiceOf(found.vote);
    return c.html(votePage(found.vote, found.tool, token, standing));
  });

  app.post(
    '/vote',
    bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.html(errorPage('Request too large', 'That was more than this page accepts.'), 413) }),
    async (c) => {
      const form = await c.req.parseBody().catch(() => null);
      const token = typeof form?.token === 'string' ? form.token : c.req.query('token');
      const found = await resolve(token);
      if (!found) return c.html(badVote(), 400);
      const { vote, issue, tool } = found;
      if (!(await counts(vote))) return c.html(notCounted(), 403);
      const cast = await ctx.votes.cast(vote, ctx.now());
      if (cast.kind === 'too-often') {
        return c.html(tooOften(cast.standing, tool, cast.retryAfterSeconds), 429, { 'Retry-After': String(cast.retryAfterSeconds) });
      }
      const community = currentCommunity(issue, tool, (await ctx.votes.current()).community());
      return c.html(votedPage(vote, tool, communityLine(community)));
    },
  );
}
