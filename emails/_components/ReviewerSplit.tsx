import { Heading } from '@react-email/heading';
import type { CSSProperties } from 'react';
import type { ReviewerSplit as Split } from '../../src/digest/schema.ts';
import { NO_SHARED_REVIEWER, personaName, takeLine, widestLine } from '../../src/digest/wording.ts';
import { body, cls, color, h3, small, widestColors } from './theme.ts';

const table: CSSProperties = {
  width: '100%',
  borderCollapse: 'collapse',
  fontSize: '14px',
  lineHeight: '20px',
  color: color.text,
  backgroundColor: color.card,
};
const th: CSSProperties = { textAlign: 'left', padding: '4px', borderBottom: `1px solid ${color.border}`, overflowWrap: 'anywhere' };
// Tool names may break anywhere to fit 375 px; the persona column never breaks its short words ("Reviewer", "Futurist").
const personaTh: CSSProperties = { ...th, overflowWrap: 'normal', whiteSpace: 'nowrap' };
const td: CSSProperties = { padding: '4px' };
const widestRow: CSSProperties = { ...td, fontWeight: 700, backgroundColor: widestColors.light[0], color: widestColors.light[1] };

type Props = { split: Split; leftName: string; rightName: string };

/** Each persona's scores on both tools, with the widest gap called out. */
export function ReviewerSplit({ split, leftName, rightName }: Props) {
  const widest = widestLine(split);
  return (
    <>
      <Heading as="h3" className={cls.text} style={h3}>
        Reviewer split
      </Heading>
      {split.rows.length === 0 ? (
        <p className={cls.text} style={body}>
          {NO_SHARED_REVIEWER}
        </p>
      ) : (
        <>
          <table className={cls.card} style={table}>
            <thead>
              <tr>
                <th scope="col" className={`${cls.text} ${cls.border}`} style={personaTh}>
                  Reviewer
                </th>
                <th scope="col" className={`${cls.text} ${cls.border}`} style={th}>
                  {leftName}
                </th>
                <th scope="col" className={`${cls.text} ${cls.border}`} style={th}>
                  {rightName}
                </th>
              </tr>
            </thead>
            <tbody>
              {split.rows.map((row) => {
                const wide = row.persona === split.widest;
                const [cell, className] = wide ? [widestRow, cls.widest] : [td, cls.text];
                return (
                  <tr key={row.persona}>
                    <th scope="row" className={className} style={{ ...cell, textAlign: 'left', whiteSpace: 'nowrap' }}>
                      {personaName(row.persona)}
                    </th>
                    <td className={className} style={cell}>
                      {takeLine(row.left)}
                    </td>
                    <td className={className} style={cell}>
                      {takeLine(row.right)}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {widest === null ? null : (
            <p className={cls.muted} style={{ ...small, marginTop: '6px' }}>
              {widest}
            </p>
          )}
        </>
      )}
    </>
  );
}
