import type { CSSProperties } from 'react';
import type { Side } from '../../src/digest/schema.ts';
import { categoryLine, communityLine, pricingLine } from '../../src/digest/wording.ts';
import { PanelBadge } from './PanelBadge.tsx';
import { body, cls, pickColors, small } from './theme.ts';
import { ToolName } from './ToolName.tsx';
import { type VoteLinks, Votes } from './Votes.tsx';

export interface ToolSideProps {
  side: Side;
  picked: boolean;
  votes: VoteLinks;
}

const tagline: CSSProperties = { ...body, fontSize: '14px', lineHeight: '20px', overflowWrap: 'anywhere' };
const pickBadge: CSSProperties = {
  display: 'inline-block',
  padding: '2px 8px',
  marginBottom: '6px',
  borderRadius: '4px',
  fontSize: '12px',
  lineHeight: '18px',
  fontWeight: 700,
  letterSpacing: '0.04em',
  textTransform: 'uppercase',
  backgroundColor: pickColors.light[0],
  color: pickColors.light[1],
};

/** One tool of a comparison: its name, the pick badge, what it is, its pricing, the panel, the community and the vote buttons. */
export function ToolSide({ side, picked, votes }: ToolSideProps) {
  return (
    <>
      <ToolName side={side} />
      {picked ? (
        <p style={{ margin: 0 }}>
          <span className={cls.pick} style={pickBadge}>
            Our pick
          </span>
        </p>
      ) : null}
      <p className={cls.text} style={tagline}>
        {side.tagline}
      </p>
      <p className={cls.muted} style={small}>
        {categoryLine(side)}
      </p>
      <p className={cls.muted} style={small}>{`Pricing: ${pricingLine(side.pricing)}`}</p>
      <PanelBadge panel={side.panel} />
      <p className={cls.muted} style={small}>{`Community: ${communityLine(side.community)}`}</p>
      <Votes name={side.name} links={votes?.[side.slug]} />
    </>
  );
}
