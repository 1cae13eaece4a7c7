import { describe, expect, it } from 'vitest';
import { parseToolFile } from './load.ts';
import { defectsOf, expectSentence, FILE, PERSONA_TAKES, variant } from '../../test/helpers/tool-file.ts';

describe('parseToolFile rejects, in one sentence naming the file and the field or key', () => {
  it.each([
    // description, change, what the defect must mention
    [
      'an unknown top-level key',
      (t: Record<string, any>) => {
        t.taglne = 'typo';
      },
      /unknown key "taglne"/,
    ],
    [
      'an unknown key in pricing',
      (t: Record<string, any>) => {
        t.pricing.foo = 1;
      },
      /unknown key "pricing\.foo"/,
    ],
    [
      'an unknown key in a take',
      (t: Record<string, any>) => {
        t.panel[1].mood = 'happy';
      },
      /unknown key "panel\[1\]\.mood"/,
    ],
    [
      'an unknown key in community',
      (t: Record<string, any>) => {
        t.community.maybe = 2;
      },
      /unknown key "community\.maybe"/,
    ],
    [
      'a slug that breaks the pattern',
      (t: Record<string, any>) => {
        t.slug = 'SmolLM3';
      },
      /"slug"/,
    ],
    [
      'a slug with a double hyphen',
      (t: Record<string, any>) => {
        t.slug = 'smol--lm3';
      },
      /"slug"/,
    ],
    [
      'a slug that is not the file name',
      (t: Record<string, any>) => {
        t.slug = 'smollm4';
      },
      /"slug".*smollm4.*smollm3|"slug".*smollm3.*smollm4/,
    ],
    [
      'a javascript: URL',
      (t: Record<string, any>) => {
        t.url = 'javascript:alert(1)';
      },
      /"url"/,
    ],
    [
      'a data: URL',
      (t: Record<string, any>) => {
        t.url = 'data:text/html,<script>alert(1)</script>';
      },
      /"url"/,
    ],
    [
      'an ftp: URL',
      (t: Record<string, any>) => {
        t.url = 'ftp://example.com/tool';
      },
      /"url"/,
    ],
    [
      'a relative URL',
      (t: Record<string, any>) => {
        t.url = '/tools/smollm3';
      },
      /"url"/,
    ],
    [
      'a URL without a scheme',
      (t: Record<string, any>) => {
        t.url = 'example.com';
      },
      /"url"/,
    ],
    [
      'a score above 100',
      (t: Record<string, any>) => {
        t.panel[0].score = 101;
      },
      /"panel\[0\]\.score"/,
    ],
    [
      'a negative score',
      (t: Record<string, any>) => {
        t.panel[1].score = -1;
      },
      /"panel\[1\]\.score"/,
    ],
    [
      'a fractional score',
      (t: Record<string, any>) => {
        t.panel[0].score = 87.5;
      },
      /"panel\[0\]\.score"/,
    ],
    [
      'a score given as a string',
      (t: Record<string, any>) => {
        t.panel[0].score = '87';
      },
      /"panel\[0\]\.score"/,
    ],
    [
      'an unknown persona',
      (t: Record<string, any>) => {
        t.panel[0].persona = 'critic';
      },
      /"panel\[0\]\.persona"/,
    ],
    [
      'an unknown verdict',
      (t: Record<string, any>) => {
        t.panel[0].verdict = 'maybe';
      },
      /"panel\[0\]\.verdict"/,
    ],
    [
      'two takes from one persona',
      (t: Record<string, any>) => {
        t.panel[1].persona = 'builder';
      },
      /"panel\[1\]\.persona".*builder/,
    ],
    [
      'more than five takes',
      (t: Record<string, any>) => {
        t.panel = [...PERSONA_TAKES, { ...PERSONA_TAKES[0] }];
      },
      /"panel"/,
    ],
    [
      'an 81-character name',
      (t: Record<string, any>) => {
        t.name = 'a'.repeat(81);
      },
      /"name"/,
    ],
    [
      'an 81-character CJK name',
      (t: Record<string, any>) => {
        t.name = '工'.repeat(81);
      },
      /"name"/,
    ],
    [
      'an empty name',
      (t: Record<string, any>) => {
        t.name = '';
      },
      /"name"/,
    ],
    [
      'a 161-character tagline',
      (t: Record<string, any>) => {
        t.tagline = 'a'.repeat(161);
      },
      /"tagline"/,
    ],
    [
      'a 4,001-character description',
      (t: Record<string, any>) => {
        t.description = 'a'.repeat(4001);
      },
      /"description"/,
    ],
    [
      'an addedAt without offset',
      (t: Record<string, any>) => {
        t.addedAt = '2026-11-17T15:00:00';
      },
      /"addedAt"/,
    ],
    [
      'an addedAt that is not a date',
      (t: Record<string, any>) => {
        t.addedAt = 'next Tuesday';
      },
      /"addedAt"/,
    ],
    [
      'an impossible date',
      (t: Record<string, any>) => {
        t.addedAt = '2026-02-30';
      },
      /"addedAt"/,
    ],
    [
      'a missing name',
      (t: Record<string, any>) => {
        delete t.name;
      },
      /"name" is missing/,
    ],
    [
      'a missing url',
      (t: Record<string, any>) => {
        delete t.url;
      },
      /"url"/,
    ],
    [
      'a missing panel',
      (t: Record<string, any>) => {
        delete t.panel;
      },
      /"panel" is missing/,
    ],
    [
      'a missing pricing entry',
      (t: Record<string, any>) => {
        t.pricing = {};
      },
      /"pricing\.entry"/,
    ],
    [
      'an unknown pricing entry',
      (t: Record<string, any>) => {
        t.pricing.entry = 'cheap';
      },
      /"pricing\.entry"/,
    ],
    [
      'a blank category',
      (t: Record<string, any>) => {
        t.category = '   ';
      },
      /"category"/,
    ],
    [
      'negative community votes',
      (t: Record<string, any>) => {
        t.community.skip = -1;
      },
      /"community\.skip"/,
    ],
    [
      'fractional community votes',
      (t: Record<string, any>) => {
        t.community.ship = 1.5;
      },
      /"community\.ship"/,
    ],
  ])('%s', (_, change, mention) => {
    const defects = defectsOf(FILE, variant(change));
    expect(defects.length).toBeGreaterThan(0);
    for (const defect of defects) expectSentence(defect, FILE);
    expect(defects.join('\n')).toMatch(mention);
  });

  // Terminal escapes, a bell, NUL and line breaks of every kind: a terminal or a mail header would act on them.
  it.each([
    ['name', ['name']],
    ['tagline', ['tagline']],
    ['category', ['category']],
    ['pricing.details', ['pricing', 'details']],
    ['url', ['url']],
  ])('a control character in the one-line field %s, named with its code point and position', (field, path) => {
    for (const [char, code, kind] of [
      ['\u001b', 'U+001B', 'control character'],
      ['\u0007', 'U+0007', 'control character'],
      ['\u0000', 'U+0000', 'control character'],
      ['\t', 'U+0009', 'control character'],
      ['\u0085', 'U+0085', 'line break'],
      ['\u2028', 'U+2028', 'line break'],
    ]) {
      let position = 0;
      const defects = defectsOf(
        FILE,
        variant((t) => {
          const parent = path.length === 2 ? t[path[0]!] : t;
          const key = path.at(-1)!;
          position = [...parent[key]].length + 1;
          parent[key] = `${parent[key]}${char}x`;
        }),
      );
      const fix = kind === 'line break' ? 'it must be one line' : 'remove it';
      expect(defects).toEqual([`${FILE}: field "${field}" contains a ${kind} (${code}) at position ${position}; ${fix}.`]);
    }
  });

  it.each([
    ['description', (t: Record<string, any>) => t, 'description'],
    ['a take', (t: Record<string, any>) => t.panel[1], 'take'],
  ])('a control character in %s, which keeps its line feeds and tabs', (_, holder, key) => {
    const withText = (text: string) =>
      variant((t) => {
        holder(t)[key] = text;
      });
    const field = key === 'take' ? 'panel[1].take' : key;
    expect(defectsOf(FILE, withText('One.\n\n\tTwo \u001b[2J'))).toEqual([
      `${FILE}: field "${field}" contains a control character (U+001B) at position 12; remove it.`,
    ]);
    expect(parseToolFile(FILE, withText('One.\n\n\tTwo.'))).toHaveProperty('tool');
  });

  it('reports every defect of a file, one sentence each', () => {
    const defects = defectsOf(
      FILE,
      variant((t) => {
        t.url = 'javascript:alert(1)';
        t.panel[0].score = 101;
        t.extra = true;
      }),
    );
    expect(defects).toHaveLength(3);
    for (const defect of defects) expectSentence(defect, FILE);
  });

  it.each([
    ['a missing comma on line 3', '{\n  "slug": "smollm3",\n  "name": "SmolLM3"\n  "tagline": "x"\n}', 4],
    ['a trailing comma on line 2', '{\n  "slug": "smollm3",\n}', 3],
    ['a stray character on line 1', '{ "slug": "smollm3", x }', 1],
    ['a file cut short after line 3', '{\n  "slug": "smollm3",\n  "name": "SmolLM3",\n  "tagline": ', 4],
    ['an empty file', '', 1],
  ])('invalid JSON: %s, with its line number', (_, text, line) => {
    const defects = defectsOf(FILE, text);
    expect(defects).toHaveLength(1);
    expectSentence(defects[0]!, FILE);
    expect(defects[0]).toMatch(/JSON/);
    expect(defects[0]).toContain(`line ${line}`);
  });

  it.each([
    ['a JSON array', '[]'],
    ['a JSON string', '"smollm3"'],
    ['null', 'null'],
  ])('%s instead of an object', (_, text) => {
    const defects = defectsOf(FILE, text);
    expect(defects.length).toBeGreaterThan(0);
    for (const defect of defects) expectSentence(defect, FILE);
  });
});
