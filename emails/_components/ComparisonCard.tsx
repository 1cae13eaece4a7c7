import { Column } from '@react-email/column';
import { Heading } from '@react-email/heading';
import { Row } from '@react-email/row';
import { Section } from '@react-email/section';
import type { CSSProperties } from 'react';
import type { Comparison } from '../../src/digest/schema.ts';
import { comparisonTitle, pickedSide, pickLine, whySentence } from '../../src/digest/wording.ts';
import { ReviewerSplit } from './ReviewerSplit.tsx';
import { Takes } from './Takes.tsx';
import { body, card, cls, h2 } from './theme.ts';
import { ToolSide } from './ToolSide.tsx';
import { VisitLinks } from './VisitLinks.tsx';
import type { VoteLinks } from './Votes.tsx';

export interface ComparisonCardProps {
  comparison: Comparison;
  /** The id the week-at-a-glance list links to. */
  anchor: string;
  votes: VoteLinks;
}

// Two 50% columns side by side; the stylesheet stacks them on a phone (classes v-col, v-col-r).
const leftColumn: CSSProperties = { width: '50%', verticalAlign: 'top', paddingRight: '8px' };
const rightColumn: CSSProperties = { width: '50%', verticalAlign: 'top', paddingLeft: '8px' };
const lead: CSSProperties = { ...body, fontSize: '16px', lineHeight: '24px', fontWeight: 700, margin: '0 0 4px' };

/** One head-to-head (or a tool on its own): the pick and why first, both tools, the reviewers' words, the split, the links. */
export function ComparisonCard({ comparison, anchor, votes }: ComparisonCardProps) {
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
