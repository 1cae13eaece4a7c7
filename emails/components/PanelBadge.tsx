import type { CSSProperties } from 'react';
import type { PanelLabel, PanelVerdict } from '../../src/digest/schema.ts';
import { panelLabel, panelSplit } from './format.ts';
import { small } from './theme.ts';

// Dark text on a pale tint of the label's hue, each pair above 6:1.
const tint: Record<PanelLabel, CSSProperties> = {
  Ship: { backgroundColor: '#dcfce7', color: '#14532d' },
  Mixed: { backgroundColor: '#fef3c7', color: '#78350f' },
  Skip: { backgroundColor: '#fee2e2', color: '#7f1d1d' },
  'No verdict': { backgroundColor: '#e5e7eb', color: '#1f2937' },
};

const badge: CSSProperties = { display: 'inline-block', padding: '2px 8px', borderRadius: '4px', fontSize: '14px', lineHeight: '20px', fontWeight: 700 };

/** The panel's label with its ship percentage, and the ship/skip split. */
export function PanelBadge({ panel }: { panel: PanelVerdict }) {
  const split = panelSplit(panel);
  return (
    <p style={small}>
      <span style={{ ...badge, ...tint[panel.label] }}>{panelLabel(panel)}</span>
      {split === null ? null : <><br />{`Panel: ${split}`}</>}
    </p>
  );
}
