import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Tool } from './schema.ts';
import { buildIssue } from '../digest/issue.ts';
import { weekRange } from '../digest/week.ts';
import { UserError } from '../errors.ts';
import { checkEdition, loadEdition } from './edition.ts';

function tool(slug: string, category: string, addedAt = '2026-11-10'): Tool {
  return {
    slug,
    name: slug.toUpperCase(),
    tagline: `${slug} does things`,
    category,
    description: 'Plain text.',
    url: `https://example.com/${slug}`,
    addedAt,
    pricing: { entry: 'free' },
    panel: [{ persona: 'builder', score: 70, verdict: 'ship', take: 'Fine.' }],
  };
}

const catalog = [
  tool('alpha', 'Design'),
  tool('beta', 'Design'),
  tool('gamma', 'Writing'),
  tool('delta', 'Writing'),
  tool('old', 'Design', '2026-11-01'),
];
const range = weekRange('2026-W46', 'UTC');
const build = (edition: Parameters<typeof buildIssue>[3]['edition']) =>
  buildIssue(catalog, range, 'UTC', { strategy: 'best-match', sentPairs: new Set(), edition });
const pairs = (issue: ReturnType<typeof build>) => issue.comparisons.map((c) => [c.left.slug, c.right?.slug ?? null]);

async function editionFrom(text: string) {
  const data = await mkdtemp(path.join(tmpdir(), 'edition-'));
  await mkdir(path.join(data, 'editions'));
  await writeFile(path.join(data, 'editions', '2026-W46.json'), text);
  return loadEdition(data, '2026-W46');
}

describe('the edition file', () => {
  it('without one, the week is built as usual', async () => {
    expect(await loadEdition(await mkdtemp(path.join(tmpdir(), 'edition-')), '2026-W46')).toBeNull();
    expect(pairs(build(null))).toEqual([
      ['alpha', 'beta'],
      ['delta', 'gamma'],
    ]);
  });

  it('an intro note goes at the top of the issue', () => {
    expect(build({ intro: 'Hello readers.' }).intro).toBe('Hello readers.');
    expect(build(null).intro).toBeNull();
  });

  it('excludes a tool: it appears nowhere, and the odd tool out meets an earlier one', () => {
    expect(pairs(build({ exclude: ['beta'] }))).toEqual([
      ['delta', 'gamma'],
      ['alpha', 'old'],
    ]);
  });

  it('forces a pairing; the other tools are paired by the usual rules', () => {
    // beta meets the earlier Design tool; delta's category has none earlier, so it meets the best-rated earlier tool.
    expect(pairs(build({ pairs: [['alpha', 'gamma']] }))).toEqual([
      ['alpha', 'gamma'],
      ['beta', 'old'],
      ['delta', 'old'],
    ]);
  });

  it('picks the spotlight, which is compared with every other new tool', () => {
    const issue = build({ spotlight: 'old' });
    expect(issue.strategy).toBe('spotlight');
    expect(issue.comparisons.map((c) => c.right?.slug)).toEqual(['old', 'old', 'old', 'old']);
  });

  it.each([
    ['{"hold": true}', { hold: true }],
    ['{"hold": "waiting for a price"}', { hold: 'waiting for a price' }],
    ['{"intro": "  A note.  "}', { intro: 'A note.' }],
  ])('reads %s', async (text, expected) => {
    expect(await editionFrom(text)).toEqual(expected);
  });

  it.each([
    ['{"intro": "x",}', /2026-W46\.json: invalid JSON at line 1, column 15/],
    ['{"exclud": ["alpha"]}', /2026-W46\.json: unknown key "exclud"\./],
    ['{"hold": 3}', /field "hold" must be true, false or the reason for the hold\./],
    ['{"pairs": [["alpha"]]}', /field "pairs\[0\]" must be a list of two slugs/],
    ['{"intro": ""}', /field "intro"/],
    ['{"hold": "late\\u001b]0;PWNED\\u0007"}', /field "hold" contains a control character \(U\+001B\) at position 5; remove it\./],
    ['{"intro": "Hello.\\n\\nA bell\\u0007"}', /field "intro" contains a control character \(U\+0007\) at position 15; remove it\./],
    ['{"exclude": ["alpha\\u2028"]}', /field "exclude\[0\]" contains a line break \(U\+2028\) at position 6; it must be one line\./],
  ])('refuses %s with one sentence naming the file and field', async (text, message) => {
    await expect(editionFrom(text)).rejects.toThrow(UserError);
    await expect(editionFrom(text)).rejects.toThrow(message);
  });

  it('checks every slug against the week', () => {
    const news = new Set(['alpha', 'beta', 'gamma', 'delta']);
    const earlier = new Set(['old']);
    expect(
      checkEdition(
        'e.json',
        {
          exclude: ['old'],
          pairs: [
            ['alpha', 'beta'],
            ['beta', 'gamma'],
          ],
          spotlight: 'nope',
        },
        news,
        earlier,
      ),
    ).toEqual([
      'e.json: field "exclude[0]" names "old", which is not a new tool of this week.',
      'e.json: field "pairs[1][0]" pairs "beta" a second time; a tool is in one comparison only.',
      'e.json: field "spotlight" names "nope", which is not in the catalog by the end of this week.',
    ]);
    expect(checkEdition('e.json', { exclude: ['alpha'], pairs: [['alpha', 'beta']] }, news, earlier)).toEqual([
      'e.json: field "pairs[0][0]" pairs "alpha", which "exclude" leaves out.',
    ]);
    expect(checkEdition('e.json', { pairs: [['alpha', 'beta']], spotlight: 'alpha' }, news, earlier)).toEqual([
      'e.json: field "spotlight" names "alpha", which "pairs" already compares with one tool.',
    ]);
    expect(checkEdition('e.json', { exclude: ['gamma'], pairs: [['alpha', 'beta']], spotlight: 'old' }, news, earlier)).toEqual([]);
  });
});
