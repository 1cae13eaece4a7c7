import { Column, Heading, Link, Row, Section } from '@react-email/components';
import type { CSSProperties } from 'react';
import type { Comparison, Side } from '../../src/digest/schema.ts';
import { categoryLine, communityLine, comparisonTitle, pickLine, pricingLine, SOLO_NOTE, webUrl } from './format.ts';
import { PanelBadge } from './PanelBadge.tsx';
import { ReviewerSplit } from './ReviewerSplit.tsx';
import { body, card, h2, h3, link, small } from './theme.ts';

// Two 50% columns with small gutters stay readable down to a 375 px screen.
const leftColumn: CSSProperties = { width: '50%', verticalAlign: 'top', paddingRight: '6px' };
const rightColumn: CSSProperties = { width: '50%', verticalAlign: 'top', paddingLeft: '6px' };
const tagline: CSSProperties = { ...body, fontSize: '14px', lineHeight: '20px', overflowWrap: 'anywhere' };
const pick: CSSProperties = { ...body, fontWeight: 700 };

function ToolName({ side }: { side: Side }) {
  const href = webUrl(side.url);
  return <Heading as="h3" style={{ ...h3, marginTop: 0 }}>{href ? <Link href={href} style={link}>{side.name}</Link> : side.name}</Heading>;
}

function ToolSide({ side }: { side: Side }) {
  return (
    <>
      <ToolName side={side} />
      <p style={tagline}>{side.tagline}</p>
      <p style={small}>{categoryLine(side)}</p>
      <p style={small}>{`Pricing: ${pricingLine(side.pricing)}`}</p>
      <PanelBadge panel={side.panel} />
      <p style={small}>{`Community: ${communityLine(side.community)}`}</p>
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
    <p style={body}>
      {linked.map(({ side, href }, i) => (
        <span key={side.slug}>
          {i > 0 ? ' · ' : null}
          <Link href={href} style={link}>{`Visit ${side.name}`}</Link>
        </span>
      ))}
    </p>
  );
}

/** One head-to-head (or a tool on its own): both sides, the reviewer split, the pick and the verdict summary. */
export function ComparisonCard({ comparison }: { comparison: Comparison }) {
  const { left, right } = comparison;
  return (
    <Section style={card}>
      <Heading as="h2" style={h2}>{comparisonTitle(comparison)}</Heading>
      {right === null ? (
        <>
          <p style={small}>{SOLO_NOTE}</p>
          <ToolSide side={left} />
        </>
      ) : (
        <>
          <Row>
            <Column style={leftColumn}><ToolSide side={left} /></Column>
            <Column style={rightColumn}><ToolSide side={right} /></Column>
          </Row>
          <ReviewerSplit split={comparison.reviewerSplit} leftName={left.name} rightName={right.name} />
        </>
      )}
      <Heading as="h3" style={h3}>Verdict</Heading>
      {right === null ? null : <p style={pick}>{pickLine(comparison)}</p>}
      <p style={body}>{comparison.summary}</p>
      <VisitLinks sides={right === null ? [left] : [left, right]} />
    </Section>
  );
}
