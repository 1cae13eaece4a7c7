import { Link } from '@react-email/link';
import type { CSSProperties } from 'react';
import { cls, color, link, small } from './theme.ts';

/** A reader's two signed vote links for each tool, by slug; null where the copy is not for one reader (archive, preview). */
export type VoteLinks = Record<string, { ship: string; skip: string }> | null;

export interface VotesProps {
  name: string;
  /** This tool's links; none in a copy that is not for one reader. */
  links: { ship: string; skip: string } | undefined;
}

const vote: CSSProperties = {
  ...link,
  display: 'inline-block',
  padding: '4px 10px',
  marginRight: '6px',
  border: `1px solid ${color.link}`,
  borderRadius: '4px',
  fontSize: '14px',
  lineHeight: '20px',
  fontWeight: 700,
  textDecorationLine: 'none',
};

/** The reader's "Ship it" and "Skip it" buttons for one tool. */
export function Votes({ name, links }: VotesProps) {
  if (!links) return null;
  return (
    <p className={cls.muted} style={{ ...small, marginTop: '10px' }}>
      <Link href={links.ship} aria-label={`Ship it: vote for ${name}`} className={cls.vote} style={vote}>
        Ship it
      </Link>
      <Link href={links.skip} aria-label={`Skip it: vote against ${name}`} className={cls.vote} style={vote}>
        Skip it
      </Link>
    </p>
  );
}
