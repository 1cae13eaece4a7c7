import { Column } from '@react-email/column';
import { Heading } from '@react-email/heading';
import { Link } from '@react-email/link';
import { Row } from '@react-email/row';
import { Section } from '@react-email/section';
import type { CSSProperties } from 'react';
import type { Comparison, Side } from '../../src/digest/schema.ts';
import {
  categoryLine,
  communityLine,
  comparisonTitle,
  pickedSide,
  pickLine,
  pricingLine,
  quotedTakes,
  takeLine,
  webUrl,
  whySentence,
} from '../../src/digest/wording.ts';
import { PanelBadge } from './PanelBadge.tsx';
import { ReviewerSplit } from './ReviewerSplit.tsx';
import { body, card, cls, color, h2, h3, link, pickColors, small } from './theme.ts';

/** A reader's two signed vote links for each tool, by slug; null where the copy is not for one reader (archive, preview). */
export type VoteLinks = Record<string, { ship: string; skip: string }> | null;

// Two 50% columns side by side; the stylesheet stacks them on a phone (classes v-col, v-col-r).
const leftColumn: CSSProperties = { width: '50%', verticalAlign: 'top', paddingRight: '8px' };
const rightColumn: CSSProperties = { width: '50%', verticalAlign: 'top', paddingLeft: '8px' };
const tagline: CSSProperties = { ...body, fontSize: '14px', lineHeight: '20px', overflowWrap: 'anywhere' };
const lead: CSSProperties = { ...body, fontSize: '16px', lineHeight: '24px', fontWeight: 700, margin: '0 0 4px' };
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
const quote: CSSProperties = {
  ...body,
  margin: '0 0 8px',
  padding: '8px 10px',
  backgroundColor: color.quote,
  borderLeft: `3px solid ${color.border}`,
  overflowWrap: 'anywhere',
};
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

function ToolName({ side }: { side: Side }) {
  const href = webUrl(side.url);
  return (
    <Heading as="h3" className={`${cls.text} ${cls.toolName}`} style={{ ...h3, marginTop: 0 }}>
      {href ? (
        <Link href={href} className={cls.link} style={link}>
          {side.name}
        </Link>
      ) : (
        side.name
      )}
    </Heading>
  );
}

function Votes({ name, links }: { name: string; links: { ship: string; skip: string } | undefined }) {
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

function ToolSide({ side, picked, votes }: { side: Side; picked: boolean; votes: VoteLinks }) {
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

/** What the reviewers said: the takes of the persona who splits the pair most, in their words. */
function Takes({ comparison }: { comparison: Comparison }) {
  const takes = quotedTakes(comparison);
  if (takes === null) return null;
  return (
    <>
      <Heading as="h3" className={cls.text} style={h3}>
        What the reviewers said
      </Heading>
      <p className={cls.muted} style={small}>
        {takes.lead}
      </p>
      {takes.quotes.map((q) => (
        <p key={q.side.slug} className={`${cls.quote} v-take`} style={quote}>
          {`“${q.text}”`}
          <br />
          <span className={cls.muted} style={{ ...small, margin: 0 }}>{`${takes.persona} on ${q.side.name}, ${takeLine(q)}`}</span>
        </p>
      ))}
    </>
  );
}

function VisitLinks({ sides }: { sides: Side[] }) {
  const linked = sides.flatMap((side) => {
    const href = webUrl(side.url);
    return href ? [{ side, href }] : [];
  });
  if (linked.length === 0) return null;
  return (
    <p className={cls.text} style={{ ...body, marginTop: '12px' }}>
      {linked.map(({ side, href }, i) => (
        <span key={side.slug}>
          {i > 0 ? ' · ' : null}
          <Link href={href} className={cls.link} style={link}>{`Visit ${side.name}`}</Link>
        </span>
      ))}
    </p>
  );
}

/** One head-to-head (or a tool on its own): the pick and why first, both tools, the reviewers' words, the split, the links. */
export function ComparisonCard({ comparison, anchor, votes }: { comparison: Comparison; anchor: string; votes: VoteLinks }) {
  const { left, right } = comparison;
  const picked = pickedSide(comparison);
  return (
    <Section id={anchor} className={`${cls.card} v-comparison`} style={card}>
      <Heading as="h2" className={cls.text} style={h2}>
        {comparisonTitle(comparison)}
      </Heading>
      {right === null ? null : (
        <p className={cls.text} style={lead}>
          {pickLine(comparison)}
        </p>
      )}
      <p className={cls.text} style={body}>
        {whySentence(comparison)}
      </p>
      {right === null ? (
        <ToolSide side={left} picked={false} votes={votes} />
      ) : (
        <>
          <Row>
            <Column className={cls.column} style={leftColumn}>
              <ToolSide side={left} picked={picked === left} votes={votes} />
            </Column>
            <Column className={cls.columnRight} style={rightColumn}>
              <ToolSide side={right} picked={picked === right} votes={votes} />
            </Column>
          </Row>
          <Takes comparison={comparison} />
          <ReviewerSplit split={comparison.reviewerSplit} leftName={left.name} rightName={right.name} />
        </>
      )}
      <VisitLinks sides={right === null ? [left] : [left, right]} />
    </Section>
  );
}
