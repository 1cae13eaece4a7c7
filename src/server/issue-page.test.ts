import { describe, expect, it } from 'vitest';
import { shortenTake } from '../digest/wording.ts';
import { tool } from '../../test/helpers/pairing.ts';
import { buildIssue } from '../digest/issue.ts';
import { weekRange } from '../digest/week.ts';
import { issuePage } from './issue-page.ts';

const LONG = `Fast to set up and <b>honest</b> about its limits: ${'it keeps the whole pipeline readable, '.repeat(6)}end.`;

function page(panels: { a: [number, string][]; b: [number, string][] }): string {
  const takes = (list: [number, string][]) =>
    list.map(
      ([score, take], i) =>
        ({ persona: (['builder', 'skeptic'] as const)[i]!, score, verdict: score >= 50 ? 'ship' : 'skip', take }) as const,
    );
  const issue = buildIssue(
    [tool('alpha', { name: 'Alpha', panel: takes(panels.a) }), tool('beta', { name: 'Beta', panel: takes(panels.b) })],
    weekRange('2026-W47', 'UTC'),
    'UTC',
    { strategy: 'best-match', sentPairs: new Set() },
  );
  return issuePage({ issue, label: 'Week 47', previous: null, next: null, categories: [], community: (side) => side.community });
}

describe('issuePage', () => {
  it('quotes what the reviewers said as the email does: the persona who splits the pair most, for both tools, shortened', () => {
    const html = page({
      a: [
        [90, LONG],
        [60, 'Solid.'],
      ],
      b: [
        [30, 'Too slow for daily use.'],
        [55, 'Fine.'],
      ],
    });
    expect(html).toContain('<h3>What the reviewers said</h3>');
    expect(html).toContain('The Builder splits them most, 90 to 30:');
    const shortened = shortenTake(LONG).replace('<b>', '&lt;b&gt;').replace('</b>', '&lt;/b&gt;');
    expect(shortened.endsWith('…')).toBe(true);
    expect(html).toContain(`“${shortened}”`);
    expect(html).toContain('“Too slow for daily use.”');
    expect(html).toContain('Builder on Alpha, 90 ship');
    expect(html).toContain('Builder on Beta, 30 skip');
    expect(html).not.toContain('Solid.');
    expect(html).not.toContain('<b>honest');
  });
});
