import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { givenName, greeting, quotedTakes, shortenTake, TAKE_LIMIT } from './wording.ts';
import { Issue } from './schema.ts';

const graphemes = (text: string) => [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(text)].length;

describe('shortenTake', () => {
  it('keeps a take that fits, whitespace tidied', () => {
    expect(shortenTake('  Fast,\n  and cheap.  ')).toBe('Fast, and cheap.');
    const exact = 'x'.repeat(TAKE_LIMIT);
    expect(shortenTake(exact)).toBe(exact);
  });

  it('cuts a long take at the last word boundary that fits, without trailing punctuation, and adds an ellipsis', () => {
    expect(shortenTake('The weights are free, but hosting them is not cheap at all.', 30)).toBe('The weights are free, but…');
    expect(shortenTake('one two three four', 12)).toBe('one two…');
    const long = 'Every reviewer agrees the model is fast. '.repeat(10);
    const short = shortenTake(long);
    expect(graphemes(short)).toBeLessThanOrEqual(TAKE_LIMIT);
    expect(short.endsWith('…')).toBe(true);
    expect(long.startsWith(short.slice(0, -1))).toBe(true);
    expect(short.slice(0, -1)).toMatch(/\w$/);
  });

  it('never splits an emoji, a flag or a combining mark, and counts them as one character each', () => {
    const family = '👩‍👩‍👧';
    expect(shortenTake(`${family} ${family} ${family} ${family}`, 6)).toBe(`${family} ${family} ${family}…`);
    const accented = 'cafe\u0301 '.repeat(10);
    const short = shortenTake(accented, 12);
    expect(short).toBe('cafe\u0301 cafe\u0301…');
    expect(shortenTake('🇯🇵🇯🇵🇯🇵🇯🇵🇯🇵', 3)).toBe('🇯🇵🇯🇵…');
  });

  it('cuts a very long single word inside it, with an ellipsis', () => {
    const word = 'Supercalifragilistic'.repeat(20);
    const short = shortenTake(word, 20);
    expect(short).toBe(`${word.slice(0, 19)}…`);
    expect(shortenTake(`${word} tail`, 20)).toBe(`${word.slice(0, 19)}…`);
  });

  it('finds word boundaries in text without spaces (Japanese)', () => {
    const take = '日本語と英語を並べて書けるので、翻訳の手間がかなり減りました。とても便利です。';
    const short = shortenTake(take, 20);
    expect(graphemes(short)).toBeLessThanOrEqual(20);
    expect(short.endsWith('…')).toBe(true);
    expect(take.startsWith(short.slice(0, -1))).toBe(true);
  });
});

describe('givenName and greeting', () => {
  it.each([
    ['Okafor, Chidi', 'Chidi'],
    ['  Ada Park  ', 'Ada'],
    ['Ada', 'Ada'],
    ['佐藤 美咲', '佐藤 美咲'],
    ['김 민준', '김 민준'],
    ['Zoë ∑', 'Zoë'],
    ['Okafor,', 'Okafor'],
    ['', null],
    ['   ', null],
    [null, null],
  ])('%j is greeted as %j', (name, given) => {
    expect(givenName(name)).toBe(given);
    expect(greeting(givenName(name))).toBe(given === null ? null : `Hi ${given},`);
  });
});

describe('quotedTakes', () => {
  const issue = Issue.parse(JSON.parse(readFileSync(new URL('../../test/fixtures/hand-issue.json', import.meta.url), 'utf8')));
  const comparison = structuredClone(issue.comparisons.find((c) => c.right !== null && c.reviewerSplit.widest !== null)!);
  const persona = comparison.reviewerSplit.widest!;

  it("quotes the widest-gap persona's take on both tools, shortened, with the persona named", () => {
    for (const side of [comparison.left, comparison.right!])
      side.takes.find((t) => t.persona === persona)!.take = `${side.name} take. ${'More words here. '.repeat(20)}`;
    const takes = quotedTakes(comparison)!;
    expect(takes.persona.toLowerCase()).toBe(persona);
    expect(takes.lead).toMatch(new RegExp(`^The ${takes.persona} splits them most, \\d+ to \\d+:$`));
    expect(takes.quotes.map((q) => q.side.slug)).toEqual([comparison.left.slug, comparison.right!.slug]);
    for (const q of takes.quotes) {
      expect(q.text.startsWith(`${q.side.name} take.`)).toBe(true);
      expect(q.text.endsWith('…')).toBe(true);
    }
  });

  it('is null without any written take, as in an issue frozen before takes were kept', () => {
    const bare = structuredClone(comparison);
    for (const side of [bare.left, bare.right!]) for (const t of side.takes) delete t.take;
    expect(quotedTakes(bare)).toBeNull();
  });
});
