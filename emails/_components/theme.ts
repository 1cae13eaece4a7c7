import type { CSSProperties } from 'react';

/** Light palette, inline on every element; every pair used is at least 4.5:1 (text on card ~14:1, muted ~7:1, link ~6.7:1). */
export const color = {
  page: '#f3f4f6',
  card: '#ffffff',
  text: '#1f2937',
  muted: '#4b5563',
  link: '#1d4ed8',
  border: '#d1d5db',
  quote: '#f9fafb',
} as const;

/** Dark palette, applied by the stylesheet below over the inline light colors; each pair is at least 7:1. */
export const dark = {
  page: '#0d1014',
  card: '#171b21',
  text: '#e6e8eb',
  muted: '#b3bac5',
  link: '#93bbff',
  border: '#3a414c',
  quote: '#1f242c',
} as const;

/**
 * Class names the stylesheet hooks into: mail clients that honor a <style> in the head (Apple Mail, iOS, Gmail's
 * apps, Outlook.com through its data-ogsc/data-ogsb attributes) get the dark palette and the stacked phone layout;
 * the others keep the inline light 600 px layout.
 */
export const cls = {
  page: 'v-page',
  card: 'v-card',
  text: 'v-text',
  muted: 'v-muted',
  link: 'v-link',
  border: 'v-border',
  quote: 'v-quote',
  column: 'v-col',
  columnRight: 'v-col v-col-r',
  toolName: 'v-tool',
  pick: 'v-pick',
  vote: 'v-link v-vote',
  widest: 'v-widest',
  tint: { Ship: 'v-ship', Mixed: 'v-mixed', Skip: 'v-skip', 'No verdict': 'v-none' },
} as const;

/** Dark text on a pale tint of each panel label's hue (above 6:1), and the dark-mode counterpart (above 9:1). */
export const tint = {
  Ship: { light: ['#dcfce7', '#14532d'], dark: ['#123d24', '#bbf7d0'] },
  Mixed: { light: ['#fef3c7', '#78350f'], dark: ['#3d2e0a', '#fde68a'] },
  Skip: { light: ['#fee2e2', '#7f1d1d'], dark: ['#4a1515', '#fecaca'] },
  'No verdict': { light: ['#e5e7eb', '#1f2937'], dark: ['#2b2f36', '#e5e7eb'] },
} as const;

/** The pick badge: white on deep green (7:1), dark green on bright green in dark mode (9:1). */
export const pickColors = { light: ['#166534', '#ffffff'], dark: ['#4ade80', '#052e16'] } as const;
/** The widest-gap row of the reviewer split. */
export const widestColors = { light: ['#fef3c7', '#1f2937'], dark: ['#3b2f0b', '#fde68a'] } as const;

function darkRules(prefix: string): string {
  const p = (selector: string) =>
    selector
      .split(',')
      .map((s) => `${prefix}${s.trim()}`)
      .join(',');
  const rules = [
    // React Email's Body repeats the page's inline style on a cell that wraps everything: that cell turns dark too.
    `${p('.v-page,.v-page>table>tbody>tr>td')}{background-color:${dark.page}!important;color:${dark.text}!important}`,
    `${p('.v-card')}{background-color:${dark.card}!important;color:${dark.text}!important}`,
    `${p('.v-text')}{color:${dark.text}!important}`,
    `${p('.v-muted')}{color:${dark.muted}!important}`,
    `${p('.v-link')}{color:${dark.link}!important}`,
    `${p('.v-border')}{border-color:${dark.border}!important}`,
    `${p('.v-quote')}{background-color:${dark.quote}!important;color:${dark.text}!important;border-color:${dark.border}!important}`,
    `${p('.v-vote')}{border-color:${dark.link}!important}`,
    `${p('.v-pick')}{background-color:${pickColors.dark[0]}!important;color:${pickColors.dark[1]}!important}`,
    `${p('.v-widest')}{background-color:${widestColors.dark[0]}!important;color:${widestColors.dark[1]}!important}`,
    ...Object.entries(tint).map(
      ([label, t]) =>
        `${p(`.${cls.tint[label as keyof typeof tint]}`)}{background-color:${t.dark[0]}!important;color:${t.dark[1]}!important}`,
    ),
  ];
  return rules.join('\n');
}

/** The email's only stylesheet: the phone layout and the dark palette. Inline styles stay the source of the light look. */
export const emailCss = [
  ':root{color-scheme:light dark;supported-color-schemes:light dark}',
  '@media only screen and (max-width:480px){',
  '.v-col{display:block!important;width:100%!important;max-width:100%!important;padding-left:0!important;padding-right:0!important;box-sizing:border-box}',
  '.v-col-r{padding-top:14px!important}',
  '}',
  '@media (prefers-color-scheme:dark){',
  darkRules(''),
  '}',
  // Outlook.com marks the elements whose colors it would invert; these keep the dark palette ours.
  darkRules('[data-ogsc] '),
  darkRules('[data-ogsb] '),
].join('\n');

const fontFamily = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

export const page: CSSProperties = { backgroundColor: color.page, color: color.text, fontFamily, margin: 0, padding: '16px 8px' };
export const container: CSSProperties = { maxWidth: '600px', width: '100%', backgroundColor: color.card, color: color.text };
export const card: CSSProperties = {
  backgroundColor: color.card,
  color: color.text,
  borderTop: `1px solid ${color.border}`,
  padding: '20px 12px',
};
export const h1: CSSProperties = { margin: '0 0 4px', fontSize: '24px', lineHeight: '30px', color: color.text };
export const h2: CSSProperties = { margin: '0 0 12px', fontSize: '20px', lineHeight: '26px', color: color.text, overflowWrap: 'anywhere' };
export const h3: CSSProperties = {
  margin: '16px 0 6px',
  fontSize: '16px',
  lineHeight: '22px',
  color: color.text,
  overflowWrap: 'anywhere',
};
export const body: CSSProperties = { margin: '0 0 10px', fontSize: '15px', lineHeight: '22px', color: color.text };
export const small: CSSProperties = {
  margin: '0 0 6px',
  fontSize: '13px',
  lineHeight: '18px',
  color: color.muted,
  overflowWrap: 'anywhere',
};
export const link: CSSProperties = { color: color.link, textDecorationLine: 'underline' };
