import type { CSSProperties } from 'react';
import type { PanelVerdict } from '../../src/digest/schema.ts';
import { panelLabel, panelSplit } from '../../src/digest/wording.ts';
import { cls, small, tint } from './theme.ts';

const badge: CSSProperties = {
  display: 'inline-block',
  padding: '2px 8px',
  borderRadius: '4px',
  fontSize: '14px',
  lineHeight: '20px',
  fontWeight: 700,
};

/** The panel's label with its ship percentage, and the ship/skip split. */
export function PanelBadge({ panel }: { panel: PanelVerdict }) {
  const split = panelSplit(panel);
  const [background, text] = tint[panel.label].light;
  return (
    <p className={cls.muted} style={small}>
      <span className={cls.tint[panel.label]} style={{ ...badge, backgroundColor: background, color: text }}>
        {panelLabel(panel)}
      </span>
      {split === null ? null : (
        <>
          <br />
          {`Panel: ${split}`}
        </>
      )}
    </p>
  );
}
