import { describe, expect, it } from 'vitest';
import { html, raw } from './html.ts';

describe('html', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const tagline = '<img src=x onerror=alert(1)>';
    const quote = `" onfocus="alert(1)' x='`;
    expect(html`<p title="${quote}">${tagline}</p>`.toString()).toBe(
      '<p title="&quot; onfocus=&quot;alert(1)&#39; x=&#39;">&lt;img src=x onerror=alert(1)&gt;</p>',
    );
    expect(html`${'a & b'}`.toString()).toBe('a &amp; b');
  });

  it('joins arrays, drops null and false, and keeps nested or raw markup as it is', () => {
    expect(html`<ul>${['<a>', 'b'].map((x) => html`<li>${x}</li>`)}</ul>${null}${false}${raw('<hr>')}`.toString()).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li></ul><hr>',
    );
  });
});
