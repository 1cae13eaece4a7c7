import type { Comparison } from '../../src/digest/schema.ts';
import { ComparisonCard } from '../_components/ComparisonCard.tsx';
import { comparisonKey } from '../../src/digest/wording.ts';
import WeeklyDigest from '../WeeklyDigest.tsx';
import { PreviewFrame } from './PreviewFrame.tsx';

type Props = { comparisons: Comparison[] };

/** ComparisonCard on its own, once per case the sample week has: a shared panel, and panels with no reviewer in common. */
export default function ComparisonCardPreview({ comparisons }: Props) {
  return (
    <PreviewFrame title="ComparisonCard">
      {comparisons.map((comparison, i) => (
        <ComparisonCard key={comparisonKey(comparison)} comparison={comparison} anchor={`verdict-${i + 1}`} votes={null} />
      ))}
    </PreviewFrame>
  );
}

const { comparisons } = WeeklyDigest.PreviewProps;
ComparisonCardPreview.PreviewProps = {
  comparisons: [
    ...comparisons.filter((c) => c.reviewerSplit.rows.length > 0).slice(0, 1),
    ...comparisons.filter((c) => c.reviewerSplit.rows.length === 0).slice(0, 1),
  ],
} satisfies Props;
