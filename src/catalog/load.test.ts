import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../errors.ts';
import { loadCatalog, parseToolFile } from './load.ts';
import { FILE, PERSONA_TAKES, valid, variant } from '../../test/helpers/tool-file.ts';

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
  ])('throws a UserError for %s', async (_, name) => {
    if (name === 'no-tools') await mkdir(path.join(root, name), { recursive: true });
    const error = await loadCatalog(path.join(root, name)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toContain(path.join(root, name, 'tools'));
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
    expect(error).toBeInstanceOf(UserError);
    const defects = (error as UserError).message.split('\n');
    expect(defects).toHaveLength(4);
    const file = (name: string) => path.join(dir, 'tools', name);
    expect(defects.find((d) => d.startsWith(file('broken.json')))).toMatch(/JSON.*line 3/);
    expect(defects.find((d) => d.startsWith(file('typo.json')))).toMatch(/unknown key "catgory"/);
    expect(defects.find((d) => d.startsWith(file('wrong-name.json')))).toMatch(/"slug"/);
    expect(defects.find((d) => d.startsWith(file('unsafe.json')))).toMatch(/"url"/);
    expect(defects.some((d) => d.includes('good.json'))).toBe(false);
  });
});
