import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogError } from '../errors.ts';
import { loadCatalog, parseToolFile } from './load.ts';

const FILE = 'data/tools/smollm3.json';

function valid(): Record<string, unknown> {
  return {
    slug: 'smollm3',
    name: 'SmolLM3',
    tagline: 'A 3B open model that runs on a consumer GPU',
    category: 'Developer Tools',
    description: 'A small open model.',
    url: 'https://huggingface.co/HuggingFaceTB/SmolLM3-3B',
    addedAt: '2026-11-17T15:00:00Z',
    pricing: { entry: 'free', details: 'Apache 2.0 weights' },
    panel: [
      { persona: 'builder', score: 87, verdict: 'ship', take: 'Fast.' },
      { persona: 'skeptic', score: 78, verdict: 'ship', take: 'Honest.' },
    ],
    community: { ship: 3, skip: 1 },
  };
}

/** The valid tool with `change` applied to a deep copy. */
function variant(change: (tool: Record<string, any>) => void): string {
  const tool = structuredClone(valid()) as Record<string, any>;
  change(tool);
  return JSON.stringify(tool, null, 2);
}

function defectsOf(file: string, text: string): string[] {
  const result = parseToolFile(file, text);
  if ('tool' in result) throw new Error(`expected defects, got a tool: ${JSON.stringify(result.tool)}`);
  return result.defects;
}

/** One sentence: starts with the file, ends with one period, no line break. */
function expectSentence(defect: string, file: string): void {
  expect(defect.startsWith(file)).toBe(true);
  expect(defect).toMatch(/\.$/);
  expect(defect).not.toContain('\n');
}

const PERSONA_TAKES = ['builder', 'skeptic', 'futurist', 'founder', 'creator'].map((persona) => ({
  persona,
  score: 50,
  verdict: 'ship',
  take: 'Ok.',
}));

describe('parseToolFile accepts', () => {
  it.each([
    ['the full example', (_: Record<string, any>) => {}],
    [
      'a date-only addedAt',
      (t: Record<string, any>) => {
        t.addedAt = '2026-11-17';
      },
    ],
    [
      'a negative offset',
      (t: Record<string, any>) => {
        t.addedAt = '2026-11-15T23:30:00-05:00';
      },
    ],
    [
      'an http URL',
      (t: Record<string, any>) => {
        t.url = 'http://example.com/tool';
      },
    ],
    [
      'no community',
      (t: Record<string, any>) => {
        delete t.community;
      },
    ],
    [
      'no pricing details',
      (t: Record<string, any>) => {
        t.pricing = { entry: 'paid' };
      },
    ],
    [
      'no takes',
      (t: Record<string, any>) => {
        t.panel = [];
      },
    ],
    [
      'five takes, one per persona',
      (t: Record<string, any>) => {
        t.panel = PERSONA_TAKES;
      },
    ],
    [
      'scores 0 and 100',
      (t: Record<string, any>) => {
        t.panel = [
          { ...PERSONA_TAKES[0], score: 0 },
          { ...PERSONA_TAKES[1], score: 100 },
        ];
      },
    ],
    [
      'an 80-character CJK name',
      (t: Record<string, any>) => {
        t.name = '工'.repeat(80);
      },
    ],
    [
      'an 80-character emoji name',
      (t: Record<string, any>) => {
        t.name = '🚀'.repeat(80);
      },
    ],
    [
      'a one-character name',
      (t: Record<string, any>) => {
        t.name = 'X';
      },
    ],
    [
      'a 160-character tagline',
      (t: Record<string, any>) => {
        t.tagline = 'a'.repeat(160);
      },
    ],
    [
      'a tagline that looks like markup',
      (t: Record<string, any>) => {
        t.tagline = '<b>x</b>';
      },
    ],
  ])('%s', (_, change) => {
    const result = parseToolFile(FILE, variant(change));
    expect(result).toHaveProperty('tool');
  });

  it('trims the category', () => {
    const result = parseToolFile(
      FILE,
      variant((t) => {
        t.category = '  Developer Tools \t';
      }),
    );
    expect('tool' in result && result.tool.category).toBe('Developer Tools');
  });
});

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

describe('loadCatalog', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'catalog-test-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function catalogDir(name: string, files: Record<string, string>): Promise<string> {
    const dir = path.join(root, name);
    await mkdir(path.join(dir, 'tools'), { recursive: true });
    for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, 'tools', file), text);
    return dir;
  }

  const toolText = (slug: string, extra: Record<string, unknown> = {}) => JSON.stringify({ ...valid(), slug, name: slug, ...extra });

  it('loads every tool sorted by slug and ignores other files', async () => {
    const dir = await catalogDir('good', {
      'zeta.json': toolText('zeta'),
      'alpha.json': toolText('alpha', { category: ' Research ' }),
      'mid-tool.json': toolText('mid-tool'),
      'README.md': '# not a tool',
    });
    const tools = await loadCatalog(dir);
    expect(tools.map((t) => t.slug)).toEqual(['alpha', 'mid-tool', 'zeta']);
    expect(tools[0]!.category).toBe('Research');
  });

  it('returns [] for an empty folder', async () => {
    expect(await loadCatalog(await catalogDir('empty', {}))).toEqual([]);
  });

  it.each([
    ['a folder without tools/', 'no-tools'],
    ['a missing folder', 'does-not-exist'],
  ])('throws a CatalogError for %s', async (_, name) => {
    if (name === 'no-tools') await mkdir(path.join(root, name), { recursive: true });
    const error = await loadCatalog(path.join(root, name)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    expect((error as CatalogError).message).toContain(path.join(root, name, 'tools'));
  });

  it('collects the defects of every file, each naming its file, and loads nothing', async () => {
    const dir = await catalogDir('bad', {
      'good.json': toolText('good'),
      'broken.json': '{\n  "slug": "broken",\n  oops\n}',
      'typo.json': toolText('typo', { catgory: 'Research' }),
      'wrong-name.json': toolText('other-name'),
      'unsafe.json': toolText('unsafe', { url: 'javascript:alert(1)' }),
    });
    const error = await loadCatalog(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogError);
    const defects = (error as CatalogError).defects;
    expect(defects).toHaveLength(4);
    const file = (name: string) => path.join(dir, 'tools', name);
    expect(defects.find((d) => d.startsWith(file('broken.json')))).toMatch(/JSON.*line 3/);
    expect(defects.find((d) => d.startsWith(file('typo.json')))).toMatch(/unknown key "catgory"/);
    expect(defects.find((d) => d.startsWith(file('wrong-name.json')))).toMatch(/"slug"/);
    expect(defects.find((d) => d.startsWith(file('unsafe.json')))).toMatch(/"url"/);
    expect(defects.some((d) => d.includes('good.json'))).toBe(false);
  });
});
