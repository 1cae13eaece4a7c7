import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PERSONAS, type PanelTake, type Tool } from '../catalog/schema.ts';
import type { Recipient, SenderSettings } from '../mail.ts';
import { buildIssue } from '../digest/issue.ts';
import { Issue } from '../digest/schema.ts';
import { weekRange } from '../digest/week.ts';
import { verifyToken } from '../subscribers/tokens.ts';
import { digestProps, preheaderOf, renderMessage, subjectOf } from './message.ts';

function votes(ship: number, skip: number, score = 70): PanelTake[] {
  return PERSONAS.slice(0, ship + skip).map((persona, i) => ({
    persona,
    score: score + i,
    verdict: i < ship ? 'ship' : 'skip',
    take: 'A take.',
  }));
}

function tool(slug: string, name: string, category: string, overrides: Partial<Tool> = {}): Tool {
  return {
    slug,
    name,
    tagline: `${name} tagline`,
    category,
    description: `What ${name} does.`,
    url: `https://${slug}.example`,
    addedAt: '2026-11-17',
    pricing: { entry: 'free' },
    panel: votes(2, 1),
    ...overrides,
  };
}

const DEV = ['Quillforge', 'Parsnip Coder'];
const RESEARCH = ['Citebloom', 'Paperhound'];
const DESIGN = ['Glyphsmith'];

const catalog: Tool[] = [
  tool('quillforge', 'Quillforge', 'Developer Tools', { panel: votes(3, 1), tagline: '<img src=x onerror=alert(1)>' }),
  tool('parsnip-coder', 'Parsnip Coder', 'Developer Tools', { panel: votes(1, 2) }),
  tool('citebloom', 'Citebloom', 'Research', { pricing: { entry: 'freemium' } }),
  tool('paperhound', 'Paperhound', 'Research', { community: { ship: 4, skip: 1 } }),
  tool('glyphsmith', 'Glyphsmith', 'Design'),
];

const issue = buildIssue(catalog, weekRange('2026-W47', 'UTC'), 'UTC', { strategy: 'best-match', sentPairs: new Set() });

const settings: SenderSettings = {
  from: 'Weekly AI Tool Verdicts <verdicts@example.com>',
  publicUrl: 'https://verdicts.example.com',
  secret: 'message-test-secret',
  postalAddress: 'Weekly AI Tool Verdicts, 1 Test Street, Springfield',
};

const NOW = new Date('2026-11-23T09:00:00Z');

function reader(categories: string[] = [], email = 'ana@example.com', name: string | null = 'Ana'): Recipient {
  return { email, name, categories };
}

async function render(recipient: Recipient, options: { test?: boolean } = {}, from: Issue = issue) {
  const message = await renderMessage(from, recipient, settings, options);
  if (message === null) throw new Error('expected a message');
  return message;
}

describe('renderMessage', () => {
  it('the issue has the comparisons the tests rely on', () => {
    expect(issue.comparisons.map((c) => [c.left.name, c.right?.name ?? null].sort((a, b) => String(a).localeCompare(String(b))))).toEqual(
      expect.arrayContaining([
        ['Parsnip Coder', 'Quillforge'],
        ['Citebloom', 'Paperhound'],
      ]),
    );
    expect(issue.comparisons).toHaveLength(3);
  });

  it.each([[['Marketing']], [['Audio', 'Video']], [['Develop']]])(
    'gives null to a reader of %j, which match nothing',
    async (categories) => {
      expect(await renderMessage(issue, reader(categories), settings)).toBeNull();
      expect(digestProps(issue, reader(categories), settings)).toBeNull();
    },
  );

  it.each([
    // categories, names shown, names never mentioned
    [[], [...DEV, ...RESEARCH, ...DESIGN], []],
    [['Research'], RESEARCH, [...DEV, ...DESIGN]],
    [['  developer TOOLS '], DEV, [...RESEARCH, ...DESIGN]],
    [['design', 'Marketing'], DESIGN, [...DEV, ...RESEARCH]],
    [['Design', 'Research'], [...DESIGN, ...RESEARCH], DEV],
  ])('a reader of %j gets %j and no mention of %j', async (categories, shown, hidden) => {
    const message = await render(reader(categories));
    for (const name of shown) {
      expect(message.html).toContain(name);
      expect(message.text).toContain(name);
    }
    for (const name of hidden) {
      expect(message.html).not.toContain(name);
      expect(message.text).not.toContain(name);
      expect(message.subject).not.toContain(name);
    }
  });

  it('goes to the reader from the sender', async () => {
    const message = await render(reader([], 'bo@example.com'));
    expect(message.to).toBe('bo@example.com');
    expect(message.from).toBe(settings.from);
  });

  it.each(['ana@example.com', 'bo+news@example.org'])("has one-click unsubscribe headers whose token is %s's", async (email) => {
    const message = await render(reader([], email));
    expect(message.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
    const header = message.headers['List-Unsubscribe']!;
    const match = /^<(https:\/\/verdicts\.example\.com\/unsubscribe\?token=([^>]+))>$/.exec(header);
    expect(match, header).not.toBeNull();
    const token = decodeURIComponent(match![2]!);
    expect(verifyToken(settings.secret, 'unsubscribe', token, NOW)).toBe(email);
    expect(verifyToken(settings.secret, 'preferences', token, NOW)).toBeNull();
    expect(verifyToken('another-secret', 'unsubscribe', token, NOW)).toBeNull();
    // The same link is in both parts of the message.
    expect(message.text).toContain(match![1]);
    expect(message.html).toContain(match![1]);
  });

  it("links to the issue in the browser and to the reader's preferences", async () => {
    const message = await render(reader());
    expect(message.text).toContain('https://verdicts.example.com/issues/2026-W47');
    expect(message.html).toContain('https://verdicts.example.com/issues/2026-W47');
    const preferences = /https:\/\/verdicts\.example\.com\/preferences\?token=([A-Za-z0-9_.-]+)/.exec(message.text);
    expect(preferences).not.toBeNull();
    expect(verifyToken(settings.secret, 'preferences', preferences![1]!, NOW)).toBe('ana@example.com');
    expect(message.html).toContain(preferences![0]);
    expect(message.text).toContain(settings.postalAddress!);
    expect(message.html).toContain(settings.postalAddress!);
  });

  it('marks a test copy [TEST] and changes nothing else', async () => {
    const normal = await render(reader());
    const test = await render(reader(), { test: true });
    expect(test.subject).toBe(`[TEST] ${normal.subject}`);
    expect(normal.subject).not.toContain('[TEST]');
    expect(test.html).toBe(normal.html);
    expect(test.text).toBe(normal.text);
  });

  it('is deterministic', async () => {
    const first = await render(reader(['Research']));
    const second = await render(reader(['Research']));
    expect(second).toEqual(first);
  });

  it('differs per reader only where it should', async () => {
    const ana = await render(reader([], 'ana@example.com'));
    const bo = await render(reader([], 'bo@example.com'));
    expect(bo.html).not.toBe(ana.html);
    expect(bo.subject).toBe(ana.subject);
  });

  it('escapes markup from the catalog in the HTML and keeps it as text in the plain part', async () => {
    const message = await render(reader(['Developer Tools']));
    expect(message.html).not.toContain('<img src=x onerror=alert(1)>');
    expect(message.html).not.toMatch(/<img[^>]*onerror/i);
    expect(message.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(message.text).toContain('<img src=x onerror=alert(1)>');
  });

  it('puts no control character into the subject or any header, whatever a frozen issue holds', async () => {
    const sample = Issue.parse(JSON.parse(readFileSync(new URL('../../test/fixtures/hand-issue.json', import.meta.url), 'utf8')));
    for (const c of sample.comparisons) {
      c.left.name = `${c.left.name}\u001b[2J\u001b]0;PWNED\u0007`;
      if (c.right) c.right.name = `${c.right.name}\r\nBcc: all@example.com\u0000\u0085\u2028`;
    }
    for (const options of [{}, { test: true }]) {
      const message = await render(reader(), options, sample);
      for (const value of [message.subject, message.from, ...Object.values(message.headers)]) {
        expect(value).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
      }
      expect(message.subject).toMatch(/ Bcc: all@example.com |\[2J \]0;PWNED/);
    }
  });

  it('has no script and no external stylesheet', async () => {
    const message = await render(reader());
    expect(message.html).not.toMatch(/<script/i);
    expect(message.html).not.toMatch(/<link[^>]+stylesheet/i);
  });

  it('never links a tool URL that is not http(s)', async () => {
    const sample = Issue.parse(JSON.parse(readFileSync(new URL('../../test/fixtures/hand-issue.json', import.meta.url), 'utf8')));
    sample.comparisons[0]!.left.url = 'javascript:alert(1)';
    const message = await render(reader(), {}, sample);
    expect(message.html).not.toContain('javascript:');
    expect(message.text).not.toContain('javascript:');
    expect(message.html).toContain(sample.comparisons[0]!.left.name);
  });

  it('renders the sample issue for a reader of one category', async () => {
    const sample = Issue.parse(JSON.parse(readFileSync(new URL('../../test/fixtures/hand-issue.json', import.meta.url), 'utf8')));
    const message = await render(reader(['foundation models']), {}, sample);
    expect(message.text).toContain('Mistral 8x24B');
    expect(message.text).not.toContain('SmolLM3');
    expect(message.html).not.toContain('SmolLM3');
    expect(message.subject).toContain('Mistral 8x24B');
    expect(message.subject).not.toMatch(/\d{4}-W\d\d/);
  });
});

describe('subjectOf and preheaderOf', () => {
  const hand = Issue.parse(JSON.parse(readFileSync(new URL('../../test/fixtures/hand-issue.json', import.meta.url), 'utf8')));
  const pair = (left: Tool, right: Tool | null) =>
    buildIssue([left, ...(right ? [right] : [])], weekRange('2026-W47', 'UTC'), 'UTC', { strategy: 'best-match', sentPairs: new Set() })
      .comparisons[0]!;
  const strong = tool('strong', 'Strong Tool', 'Design', { panel: votes(4, 0) });
  const weak = tool('weak', 'Weak Tool', 'Design', { panel: votes(1, 3) });
  const twin = tool('twin', 'Twin Tool', 'Design', { panel: votes(4, 0) });
  const twinToo = tool('twin-too', 'Twin Too', 'Design', { panel: votes(4, 0) });

  it('names the headline pick for one comparison, with no count and no ISO week', () => {
    expect(subjectOf([pair(strong, weak)])).toBe('Strong Tool beats Weak Tool');
  });

  it('leads with the widest panel margin and counts the rest', () => {
    const close = pair(tool('a', 'Alpha', 'Coding', { panel: votes(3, 1) }), tool('b', 'Beta', 'Coding', { panel: votes(2, 2) }));
    expect(subjectOf([close, pair(strong, weak)])).toBe('Strong Tool beats Weak Tool, and 1 more verdict');
    expect(subjectOf([close, pair(strong, weak), close])).toBe('Strong Tool beats Weak Tool, and 2 more verdicts');
  });

  it('says so for a toss-up and for a tool listed alone', () => {
    expect(subjectOf([pair(twin, twinToo)])).toBe('Twin Tool vs Twin Too: a toss-up');
    expect(subjectOf([pair(strong, null)])).toBe('New this week: Strong Tool');
    expect(subjectOf([pair(twin, twinToo), pair(strong, weak)])).toBe('Strong Tool beats Weak Tool, and 1 more verdict');
  });

  it('names the spotlight tool in a spotlight week', () => {
    const spotlightWeek = (star: Tool, others: Tool[]) =>
      buildIssue([...others, star], weekRange('2026-W47', 'UTC'), 'UTC', {
        strategy: 'spotlight',
        spotlight: star.slug,
        sentPairs: new Set(),
      }).comparisons;
    const mid = tool('mid', 'Mid', 'Design');
    expect(subjectOf(spotlightWeek(tool('star', 'Star', 'Design', { panel: votes(3, 1) }), [strong, weak, mid]))).toBe(
      'Star vs 3 new tools: it beats Weak Tool, and 2 more verdicts',
    );
    expect(subjectOf(spotlightWeek(tool('star', 'Star', 'Design', { panel: votes(1, 3) }), [strong, mid]))).toBe(
      'Star vs 2 new tools: Strong Tool beats it, and 1 more verdict',
    );
  });

  it('never shows an ISO week code', () => {
    for (const comparisons of [issue.comparisons, hand.comparisons, hand.comparisons.slice(0, 1)])
      expect(subjectOf(comparisons)).not.toMatch(/\d{4}-W\d\d/);
  });

  it('continues the subject in the preheader: the other picks, or why the only pick wins, within 140 characters', () => {
    const preheader = preheaderOf(hand.comparisons);
    expect(preheader.length).toBeLessThanOrEqual(140);
    expect(preheader).toMatch(/^Also: /);
    expect(preheader).not.toContain(subjectOf(hand.comparisons).split(',')[0]);
    expect(preheaderOf([pair(strong, weak)])).toBe(
      'The panel backs Strong Tool at 100% ship against 25% for Weak Tool, a decisive margin.',
    );
    const many = Array.from({ length: 20 }, () => hand.comparisons).flat();
    expect(preheaderOf(many).length).toBeLessThanOrEqual(140);
  });

  it('cuts a long preheader between words, with an ellipsis', () => {
    const names = ['Quillforge Studio', 'Parsnip Coder', 'Citebloom Research', 'Paperhound Finder', 'Glyphsmith Designer', 'Marrowline'];
    const tools = names.map((name, i) => tool(`t${i}`, name, 'Design', { panel: votes(3 - (i % 3), 1 + (i % 2)) }));
    const comparisons = [0, 2, 4].map((i) => pair(tools[i]!, tools[i + 1]!));
    // Six lengths of the same list, so the 140th character falls at six different places in it.
    for (let n = 5; n <= 10; n++) {
      const preheader = preheaderOf(Array.from({ length: n }, (_, i) => comparisons[i % 3]!));
      expect(preheader.length).toBeLessThanOrEqual(140);
      expect(preheader).toMatch(/\S…$/);
      const lastWord = preheader
        .slice(0, -1)
        .split(/[\s;:()]+/)
        .at(-1);
      expect([...names.flatMap((n) => n.split(' ')), 'over', 'vs', 'toss-up', 'Also']).toContain(lastWord);
    }
  });
});

describe('digestProps', () => {
  it('labels the week and falls back to a visible placeholder without a postal address', () => {
    const props = digestProps(issue, reader([], 'ana@example.com', null), { ...settings, postalAddress: null })!;
    expect(props.weekLabel).toBe('Week 47 · Nov 16–22, 2026');
    expect(props.greetingName).toBeNull();
    expect(props.postalAddress).toMatch(/DIGEST_POSTAL_ADDRESS/);
    expect(props.comparisons).toHaveLength(3);
  });

  it('keeps the issue order of the comparisons it keeps', () => {
    const props = digestProps(issue, reader(['Design', 'Research']), settings)!;
    const expected = issue.comparisons.filter((c) => ['Design', 'Research'].includes(c.left.category));
    expect(props.comparisons).toEqual(expected);
  });
});
