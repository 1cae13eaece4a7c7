import { PanelVerdict } from '../../src/digest/schema.ts';
import { PanelBadge } from '../_components/PanelBadge.tsx';
import { body } from '../_components/theme.ts';
import fixture from '../_fixtures/panel-samples.json' with { type: 'json' };
import { previewPropsFor } from '../_preview/live.ts';
import { PreviewCard, PreviewFrame } from './PreviewFrame.tsx';

// The shape src/sample.ts builds the fixture in; spelled out here so the template never imports the sample code.
type Props = { samples: { name: string; panel: PanelVerdict }[] };

/** PanelBadge on its own: one sample-catalog tool per label (Ship, Mixed, Skip, No verdict). */
export default function PanelBadgePreview({ samples }: Props) {
  return (
    <PreviewFrame title="PanelBadge">
      <PreviewCard>
        {samples.map(({ name, panel }) => (
          <div key={name}>
            <p style={{ ...body, fontWeight: 700, margin: '0 0 4px' }}>{name}</p>
            <PanelBadge panel={panel} />
          </div>
        ))}
      </PreviewCard>
    </PreviewFrame>
  );
}

// Built from the catalog (live under `npm run dev`, else by `npm run fixtures`), checked by src/sample.test.ts.
PanelBadgePreview.PreviewProps = {
  samples: previewPropsFor('panel-samples.json', fixture).map(({ name, panel }) => ({ name, panel: PanelVerdict.parse(panel) })),
} satisfies Props;
