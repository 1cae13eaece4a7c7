import { Heading } from '@react-email/heading';
import type { CSSProperties } from 'react';
import type { Comparison } from '../../src/digest/schema.ts';
import { quotedTakes, takeLine } from '../../src/digest/wording.ts';
import { body, cls, color, h3, small } from './theme.ts';

export interface TakesProps {
  comparison: Comparison;
}

const quote: CSSProperties = {
  ...body,
  margin: '0 0 8px',
  padding: '8px 10px',
  backgroundColor: color.quote,
  borderLeft: `3px solid ${color.border}`,
  overflowWrap: 'anywhere',
};

/** What the reviewers said: the takes of the persona who splits the pair most, in their words. */
export function Takes({ comparison }: TakesProps) {
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
