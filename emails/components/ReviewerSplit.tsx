import { Heading } from '@react-email/components';
import type { CSSProperties } from 'react';
import type { ReviewerSplit as Split } from '../../src/digest/schema.ts';
import { NO_SHARED_REVIEWER, personaName, takeLine, widestLine } from './format.ts';
import { body, color, h3, small } from './theme.ts';

const table: CSSProperties = { width: '100%', borderCollapse: 'collapse', fontSize: '14px', lineHeight: '20px', color: color.text, backgroundColor: color.card };
const th: CSSProperties = { textAlign: 'left', padding: '4px', borderBottom: `1px solid ${color.border}`, overflowWrap: 'anywhere' };
// Tool names may break anywhere to fit 375 px; the persona column never breaks its short words ("Reviewer", "Futurist").
const personaTh: CSSProperties = { ...th, overflowWrap: 'normal', whiteSpace: 'nowrap' };
const td: CSSProperties = { padding: '4px' };
const widestRow: CSSProperties = { ...td, fontWeight: 700, backgroundColor: '#fef3c7', color: '#1f2937' };

type Props = { split: Split; leftName: string; rightName: string };

/** Each persona's scores on both tools, with the widest gap called out. */
export function ReviewerSplit({ split, leftName, rightName }: Props) {
  const widest = widestLine(split);
  return (
    <>
      <Heading as="h3" style={h3}>Reviewer split</Heading>
      {split.rows.length === 0 ? (
        <p style={body}>{NO_SHARED_REVIEWER}</p>
      ) : (
        <>
          <table style={table}>
            <thead>
              <tr>
                <th scope="col" style={personaTh}>Reviewer</th>
                <th scope="col" style={th}>{leftName}</th>
                <th scope="col" style={th}>{rightName}</th>
              </tr>
            </thead>
            <tbody>
              {split.rows.map((row) => {
                const cell = row.persona === split.widest ? widestRow : td;
                return (
                  <tr key={row.persona}>
                    <th scope="row" style={{ ...cell, textAlign: 'left', whiteSpace: 'nowrap' }}>{personaName(row.persona)}</th>
                    <td style={cell}>{takeLine(row.left)}</td>
                    <td style={cell}>{takeLine(row.right)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {widest === null ? null : <p style={{ ...small, marginTop: '6px' }}>{widest}</p>}
        </>
      )}
    </>
  );
}
