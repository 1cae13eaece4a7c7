import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { BACKSTOP_MS } from '../../test/helpers/cli.ts';
import type { Tool } from '../catalog/schema.ts';
import { buildIssue } from '../digest/issue.ts';
import type { Issue } from '../digest/schema.ts';
import { weekRange } from '../digest/week.ts';
import type { RowProblem } from '../subscribers/csv.ts';
import type { Subscriber, SubscriberStatus } from '../subscribers/schema.ts';
import { SubscriberList } from '../subscribers/list.ts';
import { recipientOf, type Recipient } from '../mail.ts';
import { type Audience, audienceOf } from '../state/audience.ts';
import { Ledger } from '../state/ledger.ts';
import { batchKey, sendIssue } from './batches.ts';
import type { Transport } from './transport.ts';

function tool(slug: string, category: string): Tool {
  return {
    slug,
    name: slug,
    tagline: `${slug} tagline`,
    category,
    description: `${slug} description`,
    url: `https://${slug}.example`,
    addedAt: '2026-11-17',
    pricing: { entry: 'free' },
    panel: [{ persona: 'builder', score: 70, verdict: 'ship', take: 'Good.' }],
  };
}

const issue = buildIssue(
  [tool('dev-a', 'Developer Tools'), tool('dev-b', 'Developer Tools'), tool('res-a', 'Research'), tool('res-b', 'Research')],
  weekRange('2026-W47', 'UTC'),
  'UTC',
  { strategy: 'best-match', sentPairs: new Set() },
);

function subscriber(email: string, status: SubscriberStatus = 'active', categories: string[] = []): Subscriber {
  return { email, name: null, categories, status };
}

async function readersOf(audience: Audience): Promise<Recipient[]> {
  const readers: Recipient[] = [];
  for await (const page of audience.readers()) readers.push(...page.map(recipientOf));
  return readers;
}
const emailsOf = async (audience: Audience) => (await readersOf(audience)).map((r) => r.email);

describe('audienceOf', () => {
  const list = [
    subscriber('zed@example.com'),
    subscriber('ana@example.com', 'active', ['research']),
    subscriber('bo@example.com', 'unsubscribed'),
    subscriber('cy@example.com', 'bounced'),
    subscriber('di@example.com', 'complained'),
    subscriber('ed@example.com', 'pending'),
    subscriber('fay@example.com', 'active', ['Marketing']),
    subscriber('gus@example.com', 'unsubscribed', ['Marketing']),
    subscriber('hal@example.com', 'active', [' DEVELOPER TOOLS ', 'Audio']),
  ];
  const problems: RowProblem[] = [
    { line: 4, problem: 'x, line 4: "nope" is not a valid email address; skipped.' },
    { line: 9, problem: 'x, line 9: "" is not a valid email address; skipped.' },
  ];
  const audience = audienceOf(issue, SubscriberList.from(list), problems);

  it('keeps active readers with a matching category, sorted by address, with their categories', async () => {
    expect(await readersOf(audience)).toEqual([
      { email: 'ana@example.com', name: null, categories: ['research'] },
      { email: 'hal@example.com', name: null, categories: [' DEVELOPER TOOLS ', 'Audio'] },
      { email: 'zed@example.com', name: null, categories: [] },
    ]);
  });

  it.each([
    ['unsubscribed', 2],
    ['bounced', 1],
    ['complained', 1],
    ['pending', 1],
    ['no matching categories', 1],
    ['invalid address', 2],
  ] as const)('counts %s: %i', (reason, count) => {
    expect(audience.skipped.get(reason)).toBe(count);
  });

  it('accounts for everyone exactly once', async () => {
    const skipped = [...audience.skipped.values()].reduce((a, b) => a + b, 0);
    expect((await emailsOf(audience)).length + skipped).toBe(list.length + problems.length);
  });

  it('does not depend on the order of the list', async () => {
    const reversed = audienceOf(issue, SubscriberList.from([...list].reverse()), problems);
    expect(await emailsOf(reversed)).toEqual(await emailsOf(audience));
    expect(reversed.skipped).toEqual(audience.skipped);
  });

  it('orders addresses as JavaScript sorts them, whatever their characters (one alone, digits, past ASCII, alike for six)', async () => {
    const emails = [
      'b@x.io',
      'a@x.io',
      'ab@x.io',
      'a.b@x.io',
      'a',
      'Zo@x.io',
      '9@x.io',
      '_@x.io',
      'é@x.io',
      'éa@x.io',
      'ü@x.io',
      '😀@x.io',
      '~@x.io',
      // Past the first six characters, and code units from 254 up, the addresses themselves decide.
      'abcdefgh@x.io',
      'abcdefga@x.io',
      'abcde@x.io',
      'a\u0100b@x.io',
      'a\u0100a@x.io',
      'a\u00ffz@x.io',
      'a\u00fea@x.io',
      'a\u00fdz@x.io',
    ];
    const audience = audienceOf(issue, SubscriberList.from(emails.map((email) => subscriber(email))), []);
    expect(await emailsOf(audience)).toEqual([...emails].sort());
    // A page holds a thousand: the order runs on across pages.
    const many = Array.from({ length: 2500 }, (_, i) => `${String.fromCharCode(97 + (i % 26))}${(i * 7919) % 2500}@x.io`);
    expect(await emailsOf(audienceOf(issue, SubscriberList.from(many.map((email) => subscriber(email))), []))).toEqual([...many].sort());
  });

  it('sends nothing for an issue without comparisons to readers who chose categories', async () => {
    const empty: Issue = { ...issue, comparisons: [] };
    const result = audienceOf(empty, SubscriberList.from([subscriber('ana@example.com', 'active', ['Research'])]), []);
    expect(await emailsOf(result)).toEqual([]);
    expect(result.skipped.get('no matching categories')).toBe(1);
  });
});

describe('batchKey', () => {
  const readers: Recipient[] = [
    { email: 'ana@example.com', name: 'Ana', categories: [] },
    { email: 'bo@example.com', name: null, categories: ['Research'] },
  ];
  const key = batchKey(issue, 1, readers);

  it('is a short key naming the week', () => {
    expect(key).toMatch(/^digest-2026-W47-[0-9a-f]{40}$/);
    expect(key.length).toBeLessThanOrEqual(256);
  });

  it('is the same for the same issue and readers, also from copies', () => {
    expect(batchKey(structuredClone(issue), 1, structuredClone(readers))).toBe(key);
  });

  it.each([
    ['one reader fewer', issue, readers.slice(0, 1)],
    ['one reader more', issue, [...readers, { email: 'cy@example.com', name: null, categories: [] }]],
    ['another reader', issue, [readers[0]!, { ...readers[1]!, email: 'bob@example.com' }]],
    ['the readers in another order', issue, [...readers].reverse()],
    ['other categories', issue, [readers[0]!, { ...readers[1]!, categories: ['Design'] }]],
    ['another week', { ...issue, week: '2026-W48' }, readers],
    ['another summary', { ...issue, comparisons: issue.comparisons.map((c, i) => (i === 0 ? { ...c, summary: 'Changed.' } : c)) }, readers],
    ['no readers', issue, []],
  ] as const)('changes with %s', (_, otherIssue, otherReaders) => {
    expect(batchKey(otherIssue as Issue, 1, otherReaders as Recipient[])).not.toBe(key);
  });

  it('changes with the batch number, so readers planned again after a refusal get a fresh key', () => {
    expect(batchKey(issue, 2, readers)).not.toBe(key);
  });
});

describe('sendIssue', () => {
  it('hands the transport at most two rendered batches that are not on their way yet, whatever its parallelism', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'batches-'));
    const list = SubscriberList.from(Array.from({ length: 1000 }, (_, i) => subscriber(`reader${i}@example.com`)));
    const waiting: (() => void)[] = [];
    let handed = 0;
    let going = 0;
    const transport: Transport = {
      description: 'a transport that holds each batch until the test lets it go',
      parallelism: 16,
      async sendBatch(_emails, _key, options) {
        handed++;
        await new Promise<void>((resolve) => waiting.push(resolve));
        going++;
        await options?.beforeSend?.();
        return { kind: 'sent', rejected: [] };
      },
    };
    const settings = {
      from: 'V <v@example.com>',
      publicUrl: 'https://v.example.com',
      secret: 'a-test-secret-that-is-long-enough-1234',
      postalAddress: null,
    };
    try {
      const ledger = new Ledger(dir, issue.week);
      const sending = sendIssue({ issue, audience: audienceOf(issue, list, []), settings, transport, ledger, now: new Date() });
      for (let released = 0; released < 10; released++) {
        // Two are handed over, and no third, until one of them goes.
        await vi.waitFor(() => expect(handed - going).toBe(Math.min(2, 10 - released)), { timeout: BACKSTOP_MS, interval: 5 });
        waiting.shift()?.();
      }
      expect((await sending).sentThisRun).toBe(1000);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
