import { PanelVerdict } from '../../src/digest/schema.ts';
import { PanelBadge } from '../_components/PanelBadge.tsx';
import { body } from '../_components/theme.ts';
import panelSamples from '../_fixtures/panel-samples.json' with { type: 'json' };
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

// Built from the sample catalog by `npm run fixtures`, checked by src/sample.test.ts.
PanelBadgePreview.PreviewProps = {
  samples: panelSamples.map(({ name, panel }) => ({ name, panel: PanelVerdict.parse(panel) })),
} satisfies Props;
