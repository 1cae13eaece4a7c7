// One benchmark case per process, so each reports its own peak memory. Prints one JSON line.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { render } from '@react-email/render';
import { createElement } from 'react';
import WeeklyDigest from '../emails/WeeklyDigest.tsx';
import { Pacer } from '../src/delivery/pacer.ts';
import { sendIssue } from '../src/delivery/batches.ts';
import { audienceOf } from '../src/state/audience.ts';
import type { Transport } from '../src/delivery/transport.ts';
import { bestMatch } from '../src/digest/pair.ts';
import type { SenderSettings } from '../src/mail.ts';
import { digestProps, messageFrom } from '../src/render/message.ts';
import { DigestRenderer } from '../src/render/variants.ts';
import { sampleIssue } from '../src/sample.ts';
import { readSubscriberCsv } from '../src/subscribers/csv.ts';
import { Ledger } from '../src/state/ledger.ts';
import { SubscriberList } from '../src/subscribers/list.ts';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { realisticCsv } from './realistic-list.ts';
import type { Tool } from '../src/catalog/schema.ts';

const settings: SenderSettings = {
  from: 'Verdicts <v@example.com>',
  publicUrl: 'https://verdicts.example.com',
  secret: 'bench-secret',
  postalAddress: '1 Main St, Springfield',
};
const CATEGORIES = ['Developer Tools', 'Design', 'Writing', 'Research', 'Productivity'];

function reader(i: number) {
  const category = CATEGORIES[i % CATEGORIES.length];
  return {
    email: `reader${i}@example.com`,
    name: i % 3 === 0 ? null : `Reader ${i}`,
    categories: i % 4 === 0 && category ? [category] : [],
  };
}

function peakMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

async function naive(count: number) {
  const issue = await sampleIssue();
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const props = digestProps(issue, reader(i), settings);
    if (props) bytes += messageFrom(props, reader(i), settings, await render(createElement(WeeklyDigest, props))).html.length;
  }
  return { seconds: (performance.now() - started) / 1000, bytes };
}

async function pipeline(count: number) {
  const issue = await sampleIssue();
  const renderer = new DigestRenderer(issue, settings);
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += (await renderer.render(reader(i)))?.html.length ?? 0;
  return { seconds: (performance.now() - started) / 1000, bytes };
}

function randomTools(count: number, categories: number, seed: number): Tool[] {
  let s = seed;
  const random = () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const words =
    'agent code model vision design prompt note draft research data chart slide voice video search email meeting test deploy sketch brand paper cite plan task'.split(
      ' ',
    );
  return Array.from({ length: count }, (_, i) => ({
    slug: `tool-${i}`,
    name: `Tool ${i}`,
    tagline: Array.from({ length: 6 }, () => words[Math.floor(random() * words.length)]).join(' '),
    category: `Category ${Math.floor(random() * categories)}`,
    description: Array.from({ length: 20 }, () => words[Math.floor(random() * words.length)]).join(' '),
    url: `https://example.com/${i}`,
    addedAt: '2026-11-10',
    pricing: { entry: (['free', 'freemium', 'paid'] as const)[i % 3] ?? 'free' },
    panel: [
      {
        persona: 'builder' as const,
        score: Math.floor(random() * 100),
        verdict: random() < 0.6 ? ('ship' as const) : ('skip' as const),
        take: 'x',
      },
    ],
  }));
}

function pairing(count: number) {
  const tools = randomTools(count, 10, count);
  const started = performance.now();
  const pairs = bestMatch(tools, [], new Set());
  return { seconds: (performance.now() - started) / 1000, comparisons: pairs.length };
}

/**
 * The send pipeline alone: `sendIssue` with its ledger, rendering and the real Pacer at `rate` requests/s,
 * against a transport that answers every batch after 15 ms without serializing it. What it reaches is what
 * our side can keep busy; the HTTP client and server's cost per byte is left out.
 */
async function pipelineSend(count: number, rate: number) {
  const issue = await sampleIssue();
  const list = SubscriberList.from(Array.from({ length: count }, (_, i) => ({ ...reader(i), status: 'active' as const })));
  const state = await mkdtemp(path.join(tmpdir(), 'bench-pipeline-'));
  const pacer = new Pacer(Date.now, undefined, rate);
  const transport: Transport = {
    description: 'a stub answering in 15 ms',
    parallelism: 16,
    sendBatch: async (_emails, _key, options) => {
      await pacer.acquire();
      await options?.beforeSend?.();
      pacer.observe(null);
      await new Promise((resolve) => setTimeout(resolve, 15));
      return { kind: 'sent', rejected: [] };
    },
  };
  try {
    let started = 0;
    const onStart = () => (started = performance.now());
    const report = await sendIssue({
      issue,
      audience: audienceOf(issue, list, []),
      settings,
      transport,
      ledger: new Ledger(state, issue.week),
      now: new Date(),
      onStart,
    });
    // From the first batch on, as the CLI's progress counts it: planning is not sending.
    return { seconds: (performance.now() - started) / 1000, sent: report.sentThisRun };
  } finally {
    await rm(state, { recursive: true, force: true });
  }
}

/**
 * The steps of a dry run's planning one at a time on the realistic list, each timed alone, with the heap
 * still in use after a full collection: what each step costs, and what the merged list keeps.
 */
async function listStages(rows: number) {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heapMb = () => {
    gc();
    return Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  };
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-stages-'));
  const file = path.join(dir, 'subscribers.csv');
  const stages: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => Promise<T> | T): Promise<T> => {
    const started = performance.now();
    const cpu = process.cpuUsage();
    const result = await work();
    const { user, system } = process.cpuUsage(cpu);
    stages[`${stage}: wall s`] = Number(((performance.now() - started) / 1000).toFixed(2));
    stages[`${stage}: CPU s`] = Number(((user + system) / 1e6).toFixed(2));
    return result;
  };
  try {
    await realisticCsv(file, { rows });
    const issue = await sampleIssue('data', () => '2026-W46');
    stages['heap before MB'] = heapMb();
    await timed('read and parse (readSubscriberCsv, rows dropped)', async () => {
      for await (const _ of readSubscriberCsv(file));
    });
    const list = new SubscriberList();
    await timed('read, parse and fold into the list', async () => {
      for await (const item of readSubscriberCsv(file)) if (!('problem' in item)) list.fold(item);
    });
    stages['heap with the list MB'] = heapMb();
    const audience = await timed('audienceOf (filter by status and categories, sort)', () => audienceOf(issue, list, []));
    const inFileOrder = [...list.keys()];
    await timed('sorting every address alone', () => inFileOrder.sort());
    stages['heap with the audience MB'] = heapMb();
    let inAudience = 0;
    for await (const page of audience.readers()) inAudience += page.length;
    return { ...stages, readers: list.size, audience: inAudience, seconds: 0 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const [name, arg, arg2] = process.argv.slice(2);
const n = Number(arg);
const result =
  name === 'naive'
    ? await naive(n)
    : name === 'pipeline'
      ? await pipeline(n)
      : name === 'pairing'
        ? pairing(n)
        : name === 'pipeline-send'
          ? await pipelineSend(n, Number(arg2))
          : name === 'list-stages'
            ? await listStages(n)
            : null;
if (result === null) throw new Error(`unknown case ${name}`);
console.log(JSON.stringify({ ...result, peakMb: peakMb() }));
