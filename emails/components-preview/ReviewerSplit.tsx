import type { ReviewerSplit as Split } from '../../src/digest/schema.ts';
import { ReviewerSplit } from '../_components/ReviewerSplit.tsx';
import WeeklyDigest from '../WeeklyDigest.tsx';
import { PreviewCard, PreviewFrame } from './PreviewFrame.tsx';

type Props = { splits: { split: Split; leftName: string; rightName: string }[] };

/** ReviewerSplit on its own: a split with its widest gap called out, and panels with no reviewer in common. */
export default function ReviewerSplitPreview({ splits }: Props) {
  return (
    <PreviewFrame title="ReviewerSplit">
      {splits.map((s) => (
        <PreviewCard key={`${s.leftName}:${s.rightName}`}>
          <ReviewerSplit {...s} />
        </PreviewCard>
      ))}
    </PreviewFrame>
  );
}

const paired = WeeklyDigest.PreviewProps.comparisons.flatMap(({ left, right, reviewerSplit }) =>
  right === null ? [] : [{ split: reviewerSplit, leftName: left.name, rightName: right.name }],
);
ReviewerSplitPreview.PreviewProps = {
  splits: [...paired.filter((s) => s.split.rows.length > 0).slice(0, 1), ...paired.filter((s) => s.split.rows.length === 0).slice(0, 1)],
} satisfies Props;
