import { Resend } from 'resend';
import { Pacer } from './pacer.ts';
import type { OutgoingEmail } from '../mail.ts';
import type { BatchOutcome, NarrowedBatch, Transport } from './transport.ts';

export interface ResendTransportOptions {
  apiKey: string;
  /** Where Resend's API answers, such as https://api.resend.com (the SDK would read RESEND_BASE_URL from the process's environment). */
  baseUrl: string;
  /** Abort a request that has not answered after this many milliseconds; the SDK itself never times out. */
  timeoutMs?: number;
  /** Attempts per batch for retryable errors (rate limit, 5xx, network) before giving up on it. */
  maxAttempts?: number;
  /** Attempts of one batch in a row with no HTTP answer at all before the service counts as out of reach and the run stops. */
  unreachableAfter?: number;
  /** Upper bound of one backoff wait, in milliseconds. */
  maxBackoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

type ResendError = { name: string; message: string; statusCode: number | null };

const RETRYABLE = new Set(['rate_limit_exceeded', 'concurrent_idempotent_requests', 'application_error', 'internal_server_error']);
const STOPS_RUN = new Set([
  'missing_api_key',
  'invalid_api_key',
  'restricted_api_key',
  'daily_quota_exceeded',
  'monthly_quota_exceeded',
  'invalid_access',
  'security_error',
]);

function isRetryable(error: ResendError): boolean {
  if (STOPS_RUN.has(error.name)) return false;
  return RETRYABLE.has(error.name) || error.statusCode === null || error.statusCode >= 500;
}

function headerSeconds(headers: Record<string, string> | null, name: string): number | null {
  const value = headers?.[name];
  if (value === undefined) return null;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The batch as Resend's API takes it. */
function payloadOf(emails: readonly OutgoingEmail[]) {
  return emails.map((e) => ({
    from: e.from,
    to: [e.to],
    subject: e.subject,
    html: e.html,
    text: e.text,
    headers: e.headers,
    ...(e.tags && { tags: e.tags }),
  }));
}

/** Resend through its SDK: batches with an Idempotency-Key, paced by the rate-limit headers, retried with backoff. */
export class ResendTransport implements Transport {
  readonly description = 'Resend';
  /** Enough batches in flight to keep a raised rate limit busy; the pacer decides when each may start. */
  readonly parallelism = 16;
  private readonly resend: Resend;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly maxBackoffMs: number;
  private readonly unreachableAfter: number;
  /** Set once a batch found Resend out of reach: the batches after it do not try again. */
  private unreachable: string | null = null;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly pacer = new Pacer();

  constructor(options: ResendTransportOptions) {
    this.resend = new Resend(options.apiKey, { baseUrl: options.baseUrl });
    this.baseUrl = options.baseUrl;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.unreachableAfter = options.unreachableAfter ?? 3;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
  }

  async sendBatch(
    emails: readonly OutgoingEmail[],
    idempotencyKey: string,
    options: { beforeSend?: () => Promise<NarrowedBatch | undefined> } = {},
  ): Promise<BatchOutcome> {
    let payload = payloadOf(emails);
    let key = idempotencyKey;
    let last: ResendError | null = null;
    let unanswered = 0;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      if (this.unreachable !== null)
        return { kind: 'failed', reason: this.unreachable, stopRun: true, nothingSent: attempt === 0, unreachable: true };
      await this.pacer.acquire();
      if (attempt === 0) {
        try {
          const narrowed = await options.beforeSend?.();
          if (narrowed) [payload, key] = [payloadOf(narrowed.emails), narrowed.idempotencyKey];
        } catch (error) {
          this.pacer.unused();
          throw error;
        }
      }
      const result = await this.resend.batch.send(payload, {
        idempotencyKey: key,
        batchValidation: 'permissive',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      this.pacer.observe(result.headers);
      if (result.error === null) {
        const errors = (result.data as { errors?: { index: number; message: string }[] }).errors ?? [];
        return { kind: 'sent', rejected: errors.map((e) => ({ index: e.index, reason: e.message })) };
      }
      last = result.error;
      // The SDK turns a refused connection, a DNS failure or our timeout into an error with no status and no headers.
      unanswered = result.headers === null && last.statusCode === null ? unanswered + 1 : 0;
      if (unanswered >= this.unreachableAfter) {
        this.unreachable ??= `Resend could not be reached: no answer from ${this.baseUrl} in ${unanswered} tries in a row (${last.message})`;
        return { kind: 'failed', reason: this.unreachable, stopRun: true, nothingSent: false, unreachable: true };
      }
      if (last.name === 'invalid_idempotent_request') {
        return {
          kind: 'failed',
          reason:
            'invalid_idempotent_request: this batch was first sent with other content; resume with the same DIGEST_FROM, DIGEST_PUBLIC_URL, DIGEST_SECRET and DIGEST_POSTAL_ADDRESS, and the frozen issue unchanged since the send started',
          stopRun: true,
          nothingSent: false,
        };
      }
      if (!isRetryable(last)) {
        return { kind: 'failed', reason: `${last.name}: ${last.message}`, stopRun: STOPS_RUN.has(last.name), nothingSent: true };
      }
      const retryAfter = headerSeconds(result.headers, 'retry-after');
      if (retryAfter !== null) this.pacer.holdFor(retryAfter * 1000);
      else await this.sleep(Math.min(this.maxBackoffMs, 250 * 2 ** attempt) * (0.5 + this.random() / 2));
    }
    return {
      kind: 'failed',
      reason: `gave up after ${this.maxAttempts} attempts, last ${last?.name}: ${last?.message}`,
      stopRun: false,
      nothingSent: false,
    };
  }
}
