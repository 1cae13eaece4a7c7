import { Resend, type CreateBatchRequestOptions } from 'resend';
import { ByteBudget } from './in-flight.ts';
import { Pacer } from './pacer.ts';
import type { OutgoingEmail, Pieces } from '../mail.ts';
import type { BatchOutcome, NarrowedBatch, Transport } from './transport.ts';
import { at } from '../invariant.ts';

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
  /** Bytes of request bodies held at once, those of batches in flight and waiting for a retry (a larger batch goes alone). */
  maxBytesInFlight?: number;
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

// What JSON.stringify escapes in a string: quotes, backslashes, control characters and lone surrogates (any surrogate, to be quick).
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it looks for.
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** The JSON string of `text` without its quotes; a signed link or a plain name is its own, and that is most of the fills. */
const escaped = (text: string) => (ESCAPED.test(text) ? JSON.stringify(text).slice(1, -1) : text);

// A template's pieces, escaped and encoded once for all the messages that share it.
const escapedTemplates = new WeakMap<readonly string[], Buffer<ArrayBuffer>[]>();

/** A body's JSON string without its quotes: from its pieces when it has them, the shared ones escaped once. */
function escapedBody(text: string, pieces: Pieces | undefined): (Buffer<ArrayBuffer> | string)[] {
  if (pieces === undefined) return [escaped(text)];
  let template = escapedTemplates.get(pieces.template);
  if (template === undefined) {
    template = pieces.template.map((piece, i) => Buffer.from(i % 2 === 0 ? escaped(piece) : ''));
    escapedTemplates.set(pieces.template, template);
  }
  return template.map((piece, i) => (i % 2 === 0 ? piece : escaped(at(pieces.fills, (i - 1) / 2))));
}

/** One email of a batch's body, as the pieces its bytes are joined from. */
interface Part {
  segments: (Buffer<ArrayBuffer> | string)[];
  bytes: number;
}

/**
 * One email of a batch's body as the SDK writes it (JSON.stringify of its fields in the SDK's order), so the bytes
 * are the SDK's own and a batch resumed by another version of this program matches the body first sent under its key.
 */
function emailJson(e: OutgoingEmail): Part {
  const json = JSON.stringify;
  const segments = [
    `{"from":${json(e.from)},"headers":${json(e.headers)},"html":"`,
    ...escapedBody(e.html, e.pieces?.html),
    `","subject":${json(e.subject)},${e.tags ? `"tags":${json(e.tags)},` : ''}"text":"`,
    ...escapedBody(e.text, e.pieces?.text),
    `","to":${json([e.to])}}`,
  ];
  return { segments, bytes: segments.reduce((n, s) => n + (typeof s === 'string' ? Buffer.byteLength(s) : s.length), 0) };
}

/** The bytes of the JSON array of `parts`: theirs, a comma between two, and the brackets. */
const bodyBytes = (parts: readonly Part[]) => parts.reduce((n, p) => n + p.bytes + 1, 1);

/** The JSON array of a batch's emails, written into one Buffer: what every attempt sends. */
function bodyOf(parts: readonly Part[]): Buffer {
  const body = Buffer.allocUnsafe(bodyBytes(parts));
  let offset = body.write('[');
  for (const [i, part] of parts.entries()) {
    if (i > 0) offset += body.write(',', offset);
    for (const segment of part.segments) offset += typeof segment === 'string' ? body.write(segment, offset) : segment.copy(body, offset);
  }
  body.write(']', offset);
  return body;
}

/** Characters of a batch's bodies, read without flattening the renderer's strings. */
const charsOf = (emails: readonly OutgoingEmail[]) => emails.reduce((n, e) => n + e.html.length + e.text.length, 0);

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
  private readonly budget: ByteBudget;
  /** The most bytes of JSON per character of the bodies seen so far: what a batch reserves before it is serialized. */
  private bytesPerChar = 1;

  constructor(options: ResendTransportOptions) {
    this.resend = new Resend(options.apiKey, { baseUrl: options.baseUrl });
    this.baseUrl = options.baseUrl;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxAttempts = options.maxAttempts ?? 8;
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
    this.unreachableAfter = options.unreachableAfter ?? 3;
    this.sleep = options.sleep ?? realSleep;
    this.random = options.random ?? Math.random;
    this.budget = new ByteBudget(options.maxBytesInFlight ?? 16 * 2 ** 20);
  }

  async sendBatch(
    emails: readonly OutgoingEmail[],
    idempotencyKey: string,
    options: { beforeSend?: () => Promise<NarrowedBatch | undefined> } = {},
  ): Promise<BatchOutcome> {
    const chars = charsOf(emails);
    const reserved = Math.ceil(chars * this.bytesPerChar);
    await this.budget.acquire(reserved);
    const to = emails.map((e) => e.to);
    // Serialized once, here: a retry resends these bytes, and the messages (flattened by JSON.stringify) can go.
    const parts = emails.map(emailJson);
    const bytes = bodyBytes(parts);
    this.bytesPerChar = Math.max(this.bytesPerChar, bytes / Math.max(1, chars));
    return this.deliver(to, parts, bytes, reserved, idempotencyKey, options);
  }

  /** Sends a serialized batch of `bytes`: it holds `reserved` bytes of the budget, then as many as its body has, until it is done. */
  private async deliver(
    to: readonly string[],
    parts: Part[],
    bytes: number,
    reserved: number,
    idempotencyKey: string,
    options: { beforeSend?: () => Promise<NarrowedBatch | undefined> },
  ): Promise<BatchOutcome> {
    let held = reserved;
    try {
      if (bytes <= held) this.budget.release(held - bytes);
      else {
        this.budget.release(held);
        held = 0;
        await this.budget.acquire(bytes);
      }
      held = bytes;
      return await this.attempts(to, parts, idempotencyKey, options, (sent) => {
        this.budget.release(held - sent);
        held = sent;
      });
    } finally {
      this.budget.release(held);
    }
  }

  /**
   * The batch endpoint's answer to `body`, through the SDK: it spreads its request options over the fetch it makes,
   * so the body given here is the one sent (its own serialization of the empty payload dropped), and given as a
   * stream of known length, fetch sends the buffer as it is, where it copied a Buffer body twice first (undici's
   * extractBody). resend-transport.test.ts checks the bytes and headers are those the SDK sends of the messages.
   */
  private request(body: Buffer, idempotencyKey: string) {
    const request: CreateBatchRequestOptions & { body: ReadableStream<Uint8Array>; duplex: 'half' } = {
      idempotencyKey,
      batchValidation: 'permissive',
      signal: AbortSignal.timeout(this.timeoutMs),
      headers: { 'Content-Length': String(body.length) },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(body);
          controller.close();
        },
      }),
      duplex: 'half',
    };
    return this.resend.batch.send([], request);
  }

  private async attempts(
    to: readonly string[],
    parts: Part[],
    idempotencyKey: string,
    options: { beforeSend?: () => Promise<NarrowedBatch | undefined> },
    narrowedTo: (bytes: number) => void,
  ): Promise<BatchOutcome> {
    let body: Buffer = Buffer.alloc(0);
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
          if (narrowed) [parts, key] = [parts.filter((_, i) => narrowed.to.has(at(to, i))), narrowed.idempotencyKey];
        } catch (error) {
          this.pacer.unused();
          throw error;
        }
        body = bodyOf(parts);
        parts = [];
        narrowedTo(body.length);
      }
      const result = await this.request(body, key);
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
