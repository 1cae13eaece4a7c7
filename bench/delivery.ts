import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ResendTransport } from '../src/delivery/resend.ts';
import { sendIssue } from '../src/delivery/send.ts';
import { sampleIssue } from '../src/sample.ts';
import { startFakeResend } from '../test/fake-resend.ts';

export interface DeliveryResult {
  subscribers: number;
  rateLimit: number;
  seconds: number;
  perSecond: number;
  ceiling: number;
  efficiency: number;
  rateLimited: number;
  requests: number;
  delivered: number;
}

/** One fault-free send of `subscribers` readers to the fake Resend at `rateLimit` requests per second. */
export async function benchDelivery(subscribers: number, rateLimit: number, latencyMs = 15): Promise<DeliveryResult> {
  const fake = await startFakeResend({ rateLimit, latencyMs });
  const state = await mkdtemp(path.join(tmpdir(), 'bench-delivery-'));
  try {
    process.env.RESEND_BASE_URL = fake.url;
    const issue = await sampleIssue();
    const recipients = Array.from({ length: subscribers }, (_, i) => ({ email: `reader${String(i).padStart(7, '0')}@example.com`, name: i % 3 ? `Reader ${i}` : null, categories: i % 4 ? [] : ['Design'] }));
    const started = performance.now();
    const report = await sendIssue({
      issue,
      audience: { recipients, skipped: new Map() },
      settings: { from: 'Verdicts <v@example.com>', publicUrl: 'https://verdicts.example.com', secret: 'bench', postalAddress: '1 Main St' },
      transport: new ResendTransport({ apiKey: 're_test_key' }),
      stateDir: state,
    });
    const seconds = (performance.now() - started) / 1000;
    const perSecond = report.sentThisRun / seconds;
    const ceiling = rateLimit * 100;
    return {
      subscribers,
      rateLimit,
      seconds,
      perSecond,
      ceiling,
      efficiency: perSecond / ceiling,
      rateLimited: fake.requests.filter((r) => r.status === 429).length,
      requests: fake.requests.length,
      delivered: fake.emails.length,
    };
  } finally {
    await fake.close();
    await rm(state, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [subscribers = '5000', rate = '10'] = process.argv.slice(2);
  console.log(await benchDelivery(Number(subscribers), Number(rate)));
}
