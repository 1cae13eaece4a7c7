import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Issue } from '../digest/schema.ts';
import type { Pieces, SenderSettings } from '../mail.ts';
import { renderMessage } from './message.ts';
import { DigestRenderer } from './variants.ts';
import { verifyVoteToken } from '../subscribers/tokens.ts';
import { mulberry32 } from '../../test/helpers/random.ts';

const issue = Issue.parse(JSON.parse(readFileSync(new URL('../../emails/_fixtures/sample-issue.json', import.meta.url), 'utf8')));
const settings: SenderSettings = {
  from: 'Verdicts <v@example.com>',
  publicUrl: 'https://verdicts.example.com/a&b',
  secret: 's3cret',
  postalAddress: '1 Main St\nSpringfield',
};
const categories = [...new Set(issue.comparisons.flatMap((c) => [c.left.category, c.right?.category ?? c.left.category]))];

const NAMES = [
  null,
  '',
  '   ',
  'Ada',
  '  Ada Park  ',
  'Okafor, Chidi',
  ' , ',
  'O\'Brien & "Sons" <b>',
  '佐藤 美咲',
  'Zoë ∑',
  '<script>alert(1)</script>',
  'a&amp;b',
];

describe('DigestRenderer', () => {
  it('gives byte for byte what rendering each reader directly gives, over random readers and every variant', async () => {
    const random = mulberry32(47);
    const renderer = new DigestRenderer(issue, settings);
    const readers = Array.from({ length: 60 }, (_, i) => ({
      email: `reader${i}+${Math.floor(random() * 1000)}@example.com`,
      name: NAMES[Math.floor(random() * NAMES.length)]!,
      categories: categories.filter(() => random() < 0.3).map((c) => (random() < 0.5 ? c.toUpperCase() : ` ${c}`)),
    }));
    for (const reader of readers) {
      const direct = await renderMessage(issue, reader, settings);
      const fast = await renderer.render(reader);
      expect(fast).toEqual(direct);
    }
  });

  it('gives each body as the pieces it was joined from, the shared template the same object for every reader of a variant', async () => {
    const renderer = new DigestRenderer(issue, settings);
    const join = ({ template, fills }: Pieces) => template.map((piece, i) => (i % 2 === 0 ? piece : fills[(i - 1) / 2])).join('');
    const messages = await Promise.all(
      NAMES.map((name, i) => renderer.renderWithPieces({ email: `reader${i}@example.com`, name: name ?? 'Ada', categories: [] })),
    );
    for (const [i, message] of messages.entries()) {
      const { pieces, ...rest } = message!;
      expect(rest).toEqual(await renderer.render({ email: `reader${i}@example.com`, name: NAMES[i] ?? 'Ada', categories: [] }));
      expect(join(pieces!.html)).toBe(message!.html);
      expect(join(pieces!.text)).toBe(message!.text);
    }
    expect(messages[3]!.pieces!.html.template).toBe(messages[4]!.pieces!.html.template);
  });

  it('marks a test copy the same way', async () => {
    const reader = { email: 'ops@example.com', name: 'Ops', categories: [] };
    expect(await new DigestRenderer(issue, settings).render(reader, { test: true })).toEqual(
      await renderMessage(issue, reader, settings, { test: true }),
    );
  });

  it('still matches when the catalog itself contains a placeholder', async () => {
    const tricky = structuredClone(issue);
    tricky.comparisons[0]!.left.tagline = 'WatvPlaceholderName in a tagline';
    const reader = { email: 'x@example.com', name: 'Xavier', categories: [] };
    const fast = await new DigestRenderer(tricky, settings).render(reader);
    expect(fast).toEqual(await renderMessage(tricky, reader, settings));
    expect(fast!.html).toContain('WatvPlaceholderName in a tagline');
  });

  it('returns null for a reader whose categories match nothing', async () => {
    expect(
      await new DigestRenderer(issue, settings).render({ email: 'n@example.com', name: null, categories: ['Nothing Here'] }),
    ).toBeNull();
  });
});

describe('vote links', () => {
  it("are the reader's own: each tool's Ship it and Skip it tokens verify as that reader's choice on that tool of this issue", async () => {
    const reader = { email: 'voter@example.com', name: 'Okafor, Chidi', categories: [] };
    const message = (await new DigestRenderer(issue, settings).render(reader))!;
    expect(message.text).toContain('Hi Chidi,');
    const tokens = [...message.html.matchAll(/\/vote\?token=([\w.-]+)"/g)].map((m) => verifyVoteToken(settings.secret, m[1]!));
    const slugs = [...new Set(issue.comparisons.flatMap((c) => [c.left.slug, ...(c.right ? [c.right.slug] : [])]))];
    const expected = slugs.flatMap((slug) =>
      (['ship', 'skip'] as const).map((choice) => ({ email: reader.email, week: issue.week, slug, choice })),
    );
    expect(new Set(tokens.map((t) => JSON.stringify(t)))).toEqual(new Set(expected.map((t) => JSON.stringify(t))));
    const other = (await new DigestRenderer(issue, settings).render({ ...reader, email: 'someone@example.com' }))!;
    expect(other.html).not.toContain(message.html.match(/\/vote\?token=([\w.-]+)"/)![1]);
  });
});
