import type { Tool } from '../catalog/schema.ts';
import type { CommunityVerdict, Issue } from './schema.ts';
import { communityVerdict } from './verdict.ts';

/** Ship and skip votes on one tool. */
export interface VoteCounts {
  ship: number;
  skip: number;
}

const none = (v: VoteCounts) => v.ship + v.skip === 0;

/** The catalog with readers' votes added to each tool's own community numbers; the catalog files never change. */
export function withReaderVotes(tools: readonly Tool[], votes: ReadonlyMap<string, VoteCounts>): Tool[] {
  return tools.map((tool) => {
    const v = votes.get(tool.slug);
    if (v === undefined || none(v)) return tool;
    return { ...tool, community: { ship: (tool.community?.ship ?? 0) + v.ship, skip: (tool.community?.skip ?? 0) + v.skip } };
  });
}

/** The reader votes an issue's sides were built with, per slug; absent when there were none. */
export function countedVotes(issue: Issue, votes: ReadonlyMap<string, VoteCounts>): Pick<Issue, 'readerVotes'> {
  const slugs = new Set(issue.comparisons.flatMap((c) => [c.left.slug, c.right?.slug ?? c.left.slug]));
  const counted = Object.fromEntries(
    [...slugs].sort().flatMap((slug) => {
      const v = votes.get(slug);
      return v === undefined || none(v) ? [] : [[slug, { ...v }]];
    }),
  );
  return Object.keys(counted).length === 0 ? {} : { readerVotes: counted };
}

/** A side's community numbers as they stand now: the catalog's own, plus every reader vote so far (not only those the issue was built with). */
export function currentCommunity(
  issue: Issue,
  side: { slug: string; community: CommunityVerdict },
  votes: ReadonlyMap<string, VoteCounts>,
): CommunityVerdict {
  const counted = issue.readerVotes?.[side.slug] ?? { ship: 0, skip: 0 };
  const now = votes.get(side.slug) ?? { ship: 0, skip: 0 };
  const ship = Math.max(0, side.community.ship - counted.ship) + now.ship;
  const skip = Math.max(0, side.community.skip - counted.skip) + now.skip;
  return communityVerdict({ community: { ship, skip } });
}
