import type { CSSProperties } from 'react';

/** Light palette; every pair used below is at least 4.5:1 (text on card ~14:1, muted ~7:1, link ~6.7:1). */
export const color = {
  page: '#f3f4f6',
  card: '#ffffff',
  text: '#1f2937',
  muted: '#4b5563',
  link: '#1d4ed8',
  border: '#d1d5db',
} as const;

const fontFamily = "-apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

export const page: CSSProperties = { backgroundColor: color.page, color: color.text, fontFamily, margin: 0, padding: '16px 8px' };
export const container: CSSProperties = { maxWidth: '600px', width: '100%', backgroundColor: color.card, color: color.text };
export const card: CSSProperties = { backgroundColor: color.card, color: color.text, borderTop: `1px solid ${color.border}`, padding: '20px 12px' };
export const h1: CSSProperties = { margin: '0 0 4px', fontSize: '24px', lineHeight: '30px', color: color.text };
export const h2: CSSProperties = { margin: '0 0 12px', fontSize: '20px', lineHeight: '26px', color: color.text, overflowWrap: 'anywhere' };
export const h3: CSSProperties = { margin: '16px 0 6px', fontSize: '16px', lineHeight: '22px', color: color.text, overflowWrap: 'anywhere' };
export const body: CSSProperties = { margin: '0 0 10px', fontSize: '15px', lineHeight: '22px', color: color.text };
export const small: CSSProperties = { margin: '0 0 6px', fontSize: '13px', lineHeight: '18px', color: color.muted, overflowWrap: 'anywhere' };
export const link: CSSProperties = { color: color.link, textDecorationLine: 'underline' };
