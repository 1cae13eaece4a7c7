import { describe, expect, it } from 'vitest';
import WeeklyDigest, { type DigestProps } from '../../emails/WeeklyDigest.tsx';
import handIssue from '../../test/fixtures/hand-issue.json' with { type: 'json' };
import { Issue } from '../digest/schema.ts';
import { digestText, wrap } from './text.ts';

const props: DigestProps = { ...WeeklyDigest.PreviewProps, comparisons: Issue.parse(handIssue).comparisons };

describe('digestText', () => {
  const text = digestText(props);

  it('has no markup', () => {
    expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
  });

  it('names every tool and lists its link', () => {
    for (const c of props.comparisons) {
      for (const side of c.right ? [c.left, c.right] : [c.left]) {
        expect(text).toContain(side.name);
        expect(text).toContain(`Visit ${side.name}: ${side.url}`);
      }
    }
  });

  it('lists the subscriber links and ends with the postal address', () => {
    expect(text).toContain(`View in browser: ${props.links.viewInBrowser}`);
    expect(text).toContain(`Email preferences: ${props.links.preferences}`);
    expect(text).toContain(`Unsubscribe: ${props.links.unsubscribe}`);
    expect(text.trimEnd().endsWith(props.postalAddress)).toBe(true);
  });

  it('shows verdicts, the split as aligned lines and the pick', () => {
    expect(text).toContain('Panel: Ship 75% · 3 ship / 1 skip');
    expect(text).toContain('Community: No community votes yet');
    expect(text).toContain('  Founder    52 skip / 78 ship');
    expect(text).toContain('Pick: SmolVLM2');
    expect(text).toContain('Developer Tools · from an earlier week');
  });

  it('keeps lines under 78 characters except unbreakable URLs', () => {
    for (const line of text.split('\n')) {
      if (!/https?:\/\//.test(line)) expect(line.length, line).toBeLessThanOrEqual(78);
    }
  });

  it('shows markup-like catalog text as it is', () => {
    const comparisons = structuredClone(props.comparisons);
    comparisons[0]!.left.tagline = 'a <b>bold</b> claim';
    expect(digestText({ ...props, comparisons })).toContain('a <b>bold</b> claim');
  });
});

describe('wrap', () => {
  it('wraps on spaces and never breaks a long word', () => {
    const url = `https://example.com/${'x'.repeat(90)}`;
    expect(wrap(`see ${url} now`, '', 20)).toEqual(['see', url, 'now']);
    expect(wrap('one two three', '  ', 9)).toEqual(['  one two', '  three']);
  });
});
