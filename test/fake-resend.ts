/**
 * A local stand-in for Resend's HTTP API (`POST /emails`, `POST /emails/batch`), built on
 * node:http so delivery code can be tested and benchmarked without network access.
 *
 * Point the official SDK at it with `new Resend(key, { baseUrl: fake.url })`, or set
 * `RESEND_BASE_URL=fake.url` before constructing the client.
 *
 * Pipeline for every request (mirrors the real API as far as its docs and SDK reveal):
 *   rate limit (per presented key, fixed 1 s windows) → authentication → routing
 *   → Idempotency-Key format → injected fault → JSON body → idempotency lookup
 *   → validation → delivery → (latency / slow delay) → response (or dropped socket).
 *
 * Standalone: `npx tsx test/fake-resend.ts --port 4010 --rate-limit 10 [--latency 20] [--api-key re_x]`.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { parseBody, Unread } from './fake-resend-body.ts';

/** Options for {@link startFakeResend}. */
export interface FakeResendOptions {
  /** Requests per second per API key, counted in fixed 1-second windows (default 10; Resend's real default is 2). */
  rateLimit?: number;
  /** Accepted API keys (default `['re_test_key']`). Unknown key → 403 invalid_api_key, none → 401 missing_api_key. */
  apiKeys?: string[];
  /** Delay added before every response, in milliseconds (default 0). */
  latencyMs?: number;
  /** Keep only the envelope (from, to, subject, headers) of delivered emails, for benchmarks that send many. */
  envelopesOnly?: boolean;
  /** Port to listen on, on 127.0.0.1 (default 0: an ephemeral port). */
  port?: number;
  /** The clock of the rate-limit windows (default Date.now); a test may step it instead of waiting. */
  now?: () => number;
  /** Called once per request as soon as the fake acted on it (delivered it, for a send), before its response waits or is written. */
  onReceived?: (entry: RequestLogEntry) => void;
  /** Called once per request right after its response was written (used by the standalone CLI to log). */
  onRequest?: (entry: RequestLogEntry) => void;
}

/** An email the fake accepted for delivery. Idempotent replays are not recorded twice. */
export interface ReceivedEmail {
  id: string;
  from: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  replyTo?: string[];
  subject: string;
  html?: string;
  text?: string;
  /** Custom email headers from the request body (not HTTP headers). */
  headers?: Record<string, string>;
  /** Tags as sent (`[{ name, value }]`); webhooks echo them as an object (see {@link webhookPayload}). */
  tags?: { name: string; value: string }[];
  idempotencyKey?: string;
  receivedAt: number;
}

/** One HTTP request seen by the fake, appended when it completes. `status` is 0 when the socket was dropped. */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  idempotencyKey?: string;
  at: number;
}

/**
 * A failure to inject. All kinds but `reject-address` are queued and consumed, in order, by the next
 * authenticated, non-rate-limited `POST /emails` or `POST /emails/batch` requests (`times` defaults to 1).
 * `reject-address` is a standing rule that lasts until {@link FakeResend.reset}.
 */
export type Fault =
  /** 500 → JSON internal_server_error; 502/503 → an HTML gateway page (as a proxy would send). Nothing delivered. */
  | { kind: 'status'; status: 500 | 502 | 503; times?: number }
  /** 429 rate_limit_exceeded with `retry-after` (default 1 s), regardless of the real limiter. */
  | { kind: 'rate-limit'; times?: number; retryAfterSeconds?: number }
  /** Destroy the socket without delivering or storing anything. */
  | { kind: 'drop-before'; times?: number }
  /** Process normally (deliver, store the idempotency record), then destroy the socket: the client never learns. */
  | { kind: 'drop-after'; times?: number }
  /** Process normally, then hold the response for `ms`; the idempotency key stays in flight meanwhile. */
  | { kind: 'slow'; ms: number; times?: number }
  /** Process normally, then hold the response until {@link FakeResend.release}: a send that is surely still running. */
  | { kind: 'hold'; times?: number }
  /** 429 daily_quota_exceeded. Nothing delivered. */
  | { kind: 'quota'; times?: number }
  /** This recipient fails validation: single send / strict batch → 422, permissive batch → per-index error. */
  | { kind: 'reject-address'; address: string };

/** Handle on a running fake Resend server. */
export interface FakeResend {
  /** Base URL, e.g. `http://127.0.0.1:53124` (no trailing slash). */
  url: string;
  /** Every email actually delivered, in delivery order. */
  emails: ReceivedEmail[];
  /** Every request, in completion order. */
  requests: RequestLogEntry[];
  /** Requests already processed (delivered, for a send) whose response has not been written yet. */
  readonly answering: number;
  /** Delivered emails whose to/cc/bcc includes `address` (case-insensitive; `Name <a@b>` forms match too). */
  deliveredTo(address: string): ReceivedEmail[];
  /** Queue a fault (see {@link Fault}). */
  inject(fault: Fault): void;
  /** Writes the responses that a `hold` fault holds back. */
  release(): void;
  /** Forget emails, requests, faults, rejected addresses, idempotency records and rate-limit windows. Ids keep counting. */
  reset(): void;
  /** Stop listening and cut open connections; pending delayed responses are abandoned. Safe to call twice. */
  close(): Promise<void>;
}

type ErrorName =
  | 'validation_error'
  | 'missing_required_field'
  | 'invalid_idempotency_key'
  | 'invalid_idempotent_request'
  | 'concurrent_idempotent_requests'
  | 'rate_limit_exceeded'
  | 'daily_quota_exceeded'
  | 'missing_api_key'
  | 'invalid_api_key'
  | 'not_found'
  | 'method_not_allowed'
  | 'internal_server_error'
  | 'application_error';

/** What the fake will answer; `drop` destroys the socket instead. */
interface Reply {
  status: number;
  body?: unknown;
  /** Non-JSON body (sent as text/html). */
  rawBody?: string;
  headers?: Record<string, string>;
  drop?: boolean;
  delayMs?: number;
  /** Written only once this settles. */
  hold?: Promise<void>;
  /** Runs once the response was written (or the socket dropped). */
  afterSend?: () => void;
}

interface IncomingRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw bytes: hashed as they came, parsed as UTF-8 JSON. Valid only until `route` returns (the buffer is reused). */
  body: Buffer;
  idempotencyKey?: string;
  at: number;
}

type QueuedFault = Exclude<Fault, { kind: 'reject-address' }>;
type IdempotencyRecord = { fingerprint: string } & ({ state: 'pending' } | { state: 'done'; status: number; body: unknown });
type EmailCheck = { ok: true; email: Omit<ReceivedEmail, 'id' | 'receivedAt' | 'idempotencyKey'> } | Invalid;
type Invalid = { ok: false; name: ErrorName; message: string };

// What an email's html and text are read as: enough to check them, kept only when the fake keeps bodies.
const BODIES = new Set(['html', 'text']);
const NONE = new Set<string>();
const MAX_BATCH = 100;
const MAX_RECIPIENTS = 50;
const MAX_IDEMPOTENCY_KEY = 256;
const WINDOW_MS = 1000;
const EMAIL_RE = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const ADDRESS_HINT = 'The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.';
const MESSAGES = {
  rateLimit: 'Too many requests. Please limit the number of requests per second. Or contact support to increase rate limit.',
  quota: 'You have reached your daily email sending quota.',
  internal: 'An unexpected error occurred.',
} as const;

/** Start a fake Resend API on 127.0.0.1. */
export async function startFakeResend(options: FakeResendOptions = {}): Promise<FakeResend> {
  const rateLimit = options.rateLimit ?? 10;
  const apiKeys = new Set(options.apiKeys ?? ['re_test_key']);
  const latencyMs = options.latencyMs ?? 0;
  const now = options.now ?? Date.now;

  const emails: ReceivedEmail[] = [];
  const requests: RequestLogEntry[] = [];
  const faults: { fault: QueuedFault; remaining: number }[] = [];
  const rejected = new Set<string>();
  const windows = new Map<string, { start: number; count: number }>();
  const idempotency = new Map<string, IdempotencyRecord>();
  const timers = new Set<NodeJS.Timeout>();
  let nextId = 1;
  // One buffer every request's body is gathered into, as routing reads it synchronously: no 8 MB allocation per batch.
  let scratch = Buffer.alloc(0);
  const holding = () => {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  };
  let held = holding();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  function takeFault(): QueuedFault | undefined {
    const head = faults[0];
    if (!head) return undefined;
    if (--head.remaining <= 0) faults.shift();
    return head.fault;
  }

  function consumeRateLimit(bucket: string, now: number) {
    let window = windows.get(bucket);
    if (!window || now - window.start >= WINDOW_MS) {
      window = { start: now, count: 0 };
      windows.set(bucket, window);
    }
    const allowed = window.count < rateLimit;
    if (allowed) window.count += 1;
    const resetSeconds = Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000));
    const headers = {
      'ratelimit-limit': String(rateLimit),
      'ratelimit-remaining': String(rateLimit - window.count),
      'ratelimit-reset': String(resetSeconds),
    };
    return { allowed, resetSeconds, headers };
  }

  function route(req: IncomingRequest): Reply {
    const token = bearerToken(req.headers.authorization);
    const limit = consumeRateLimit(token ?? '', req.at);
    const reply = limit.allowed ? routeAllowed(req, token) : rateLimitExceeded(limit.resetSeconds);
    return { ...reply, headers: { ...limit.headers, ...reply.headers } };
  }

  function routeAllowed(req: IncomingRequest, token: string | undefined): Reply {
    if (token === undefined) return apiError(401, 'missing_api_key', 'Missing API key in the authorization header.');
    if (!apiKeys.has(token)) return apiError(403, 'invalid_api_key', 'API key is invalid.');
    if (req.path !== '/emails' && req.path !== '/emails/batch') {
      return apiError(404, 'not_found', 'The requested endpoint does not exist.');
    }
    if (req.method !== 'POST') return apiError(405, 'method_not_allowed', 'Method is not allowed for the requested path.');
    return handleSend(req, token);
  }

  function handleSend(req: IncomingRequest, apiKey: string): Reply {
    const key = req.idempotencyKey;
    if (key !== undefined && (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY)) {
      return apiError(400, 'invalid_idempotency_key', `The key must be between 1-${MAX_IDEMPOTENCY_KEY} chars.`);
    }
    const fault = takeFault();
    switch (fault?.kind) {
      case 'status':
        return serverError(fault.status);
      case 'rate-limit': {
        const seconds = String(fault.retryAfterSeconds ?? 1);
        return withHeaders(rateLimitExceeded(fault.retryAfterSeconds ?? 1), {
          'ratelimit-remaining': '0',
          'ratelimit-reset': seconds,
        });
      }
      case 'quota':
        return apiError(429, 'daily_quota_exceeded', MESSAGES.quota);
      case 'drop-before':
        return { status: 0, drop: true };
    }
    const reply = processIdempotently(req, apiKey);
    if (fault?.kind === 'drop-after') return { ...reply, drop: true };
    if (fault?.kind === 'slow') return { ...reply, delayMs: fault.ms };
    if (fault?.kind === 'hold') return { ...reply, hold: held.promise };
    return reply;
  }

  function processIdempotently(req: IncomingRequest, apiKey: string): Reply {
    let body: unknown;
    try {
      body = parseBody(req.body, options.envelopesOnly ? BODIES : NONE);
    } catch {
      return apiError(400, 'validation_error', 'The request body is not valid JSON.');
    }
    const key = req.idempotencyKey;
    if (key === undefined) return processSend(req, body);

    const recordKey = `${apiKey}\n${key}`;
    // The raw bytes: a client retrying with the same key sends the same body (and canonical JSON costs 4x more).
    const fingerprint = createHash('sha256')
      .update(`${req.path}\n${batchMode(req)}\n`)
      .update(req.body)
      .digest('hex');
    const existing = idempotency.get(recordKey);
    if (existing) {
      if (existing.fingerprint !== fingerprint) {
        return apiError(409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload.');
      }
      if (existing.state === 'pending') {
        return apiError(409, 'concurrent_idempotent_requests', 'Same idempotency key used while original request is still in progress.');
      }
      return { status: existing.status, body: existing.body };
    }

    const pending: IdempotencyRecord = { fingerprint, state: 'pending' };
    idempotency.set(recordKey, pending);
    const reply = processSend(req, body, key);
    const afterSend = () => {
      if (idempotency.get(recordKey) !== pending) return; // reset() meanwhile
      // Only successful requests are remembered; failures can be retried with the same key.
      if (reply.status < 300) idempotency.set(recordKey, { fingerprint, state: 'done', status: reply.status, body: reply.body });
      else idempotency.delete(recordKey);
    };
    return { ...reply, afterSend };
  }

  function processSend(req: IncomingRequest, body: unknown, idempotencyKey?: string): Reply {
    if (req.path === '/emails') {
      const check = validateEmail(body, false, rejected);
      if (!check.ok) return apiError(422, check.name, check.message);
      return { status: 200, body: { id: deliver(check.email, idempotencyKey) } };
    }

    const mode = batchMode(req);
    if (mode !== 'strict' && mode !== 'permissive') {
      return apiError(422, 'validation_error', 'The `x-batch-validation` header must be `strict` or `permissive`.');
    }
    if (!Array.isArray(body)) return apiError(422, 'validation_error', 'The request body must be an array of emails.');
    if (body.length < 1 || body.length > MAX_BATCH) {
      return apiError(422, 'validation_error', `A batch must contain between 1 and ${MAX_BATCH} emails; got ${body.length}.`);
    }
    const checks = body.map((email) => validateEmail(email, true, rejected));
    if (mode === 'strict') {
      const index = checks.findIndex((check) => !check.ok);
      const failed = checks[index];
      if (failed && !failed.ok) return apiError(422, failed.name, `emails[${index}]: ${failed.message}`);
    }
    const data: { id: string }[] = [];
    const errors: { index: number; message: string }[] = [];
    checks.forEach((check, index) => {
      if (check.ok) data.push({ id: deliver(check.email, idempotencyKey) });
      else errors.push({ index, message: check.message });
    });
    return { status: 200, body: mode === 'permissive' ? { data, errors } : { data } };
  }

  function deliver(email: Omit<ReceivedEmail, 'id' | 'receivedAt' | 'idempotencyKey'>, idempotencyKey?: string): string {
    const id = `00000000-0000-4000-8000-${(nextId++).toString(16).padStart(12, '0')}`;
    const kept = options.envelopesOnly ? { ...email, html: undefined, text: undefined } : email;
    emails.push({ id, ...kept, ...(idempotencyKey !== undefined && { idempotencyKey }), receivedAt: Date.now() });
    return id;
  }

  let answering = 0;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = now();
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://fake-resend').pathname;
    const idempotencyKey = firstHeader(req.headers['idempotency-key']);
    const chunks = await readBody(req);
    const size = chunks.reduce((n, chunk) => n + chunk.length, 0);
    if (scratch.length < size) scratch = Buffer.allocUnsafe(size);
    const body = scratch.subarray(0, size);
    chunks.reduce((offset, chunk) => offset + chunk.copy(body, offset), 0);

    const reply = route({ method, path, headers: req.headers, body, idempotencyKey, at });
    const entry: RequestLogEntry = {
      method,
      path,
      status: reply.drop ? 0 : reply.status,
      ...(idempotencyKey !== undefined && { idempotencyKey }),
      at,
    };
    options.onReceived?.(entry);
    const delayMs = latencyMs + (reply.delayMs ?? 0);
    answering++;
    if (delayMs > 0) await sleep(delayMs);
    if (reply.hold) await reply.hold;
    answering--;

    if (reply.drop) req.socket.destroy();
    else writeReply(res, reply);
    reply.afterSend?.();
    requests.push(entry);
    options.onRequest?.(entry);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        writeReply(res, apiError(500, 'application_error', error instanceof Error ? error.message : String(error)));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    emails,
    requests,
    get answering() {
      return answering;
    },
    deliveredTo(address) {
      const wanted = address.trim().toLowerCase();
      return emails.filter((email) =>
        [...email.to, ...(email.cc ?? []), ...(email.bcc ?? [])].some((recipient) => addressOf(recipient) === wanted),
      );
    },
    inject(fault) {
      if (fault.kind === 'reject-address') {
        rejected.add(addressOf(fault.address));
        return;
      }
      const times = fault.times ?? 1;
      if (!Number.isInteger(times) || times < 1) throw new RangeError(`fault.times must be a positive integer, got ${times}`);
      faults.push({ fault, remaining: times });
    },
    release() {
      held.resolve();
      held = holding();
    },
    reset() {
      emails.length = 0;
      requests.length = 0;
      faults.length = 0;
      rejected.clear();
      windows.clear();
      idempotency.clear();
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Validation

function validateEmail(input: unknown, inBatch: boolean, rejected: ReadonlySet<string>): EmailCheck {
  if (!isRecord(input)) return invalid('validation_error', 'Each email must be a JSON object.');
  for (const field of ['from', 'to', 'subject'] as const) {
    if (isBlank(input[field])) return invalid('missing_required_field', `Missing \`${field}\` field.`);
  }
  if (isBlank(input.html) && isBlank(input.text)) return invalid('missing_required_field', 'Missing `html` or `text` field.');

  const { from, subject, html, text, headers } = input;
  if (typeof from !== 'string' || !isAddress(from)) return invalid('validation_error', `Invalid \`from\` field. ${ADDRESS_HINT}`);
  if (typeof subject !== 'string') return invalid('validation_error', 'The `subject` field must be a string.');
  if (html !== undefined && !isText(html)) return invalid('validation_error', 'The `html` field must be a string.');
  if (text !== undefined && !isText(text)) return invalid('validation_error', 'The `text` field must be a string.');
  if (headers !== undefined && !isStringRecord(headers)) {
    return invalid('validation_error', 'The `headers` field must be an object of string values.');
  }
  if (inBatch) {
    for (const field of ['attachments', 'scheduled_at'] as const) {
      if (input[field] != null) return invalid('validation_error', `The \`${field}\` field is not supported in batch emails.`);
    }
  }

  const tags = validateTags(input.tags);
  if (!Array.isArray(tags)) return tags;

  const to = recipients('to', input.to, rejected);
  if (!Array.isArray(to)) return to;
  const cc = recipients('cc', input.cc, rejected);
  if (!Array.isArray(cc)) return cc;
  const bcc = recipients('bcc', input.bcc, rejected);
  if (!Array.isArray(bcc)) return bcc;
  const replyTo = recipients('reply_to', input.reply_to, new Set());
  if (!Array.isArray(replyTo)) return replyTo;

  return {
    ok: true,
    email: {
      from,
      to,
      ...nonEmpty('cc', cc),
      ...nonEmpty('bcc', bcc),
      ...nonEmpty('replyTo', replyTo),
      subject,
      ...(typeof html === 'string' && { html }),
      ...(typeof text === 'string' && { text }),
      ...(headers !== undefined && { headers }),
      ...(tags.length > 0 && { tags }),
    },
  };
}

const TAG_PART = /^[A-Za-z0-9_-]{1,256}$/;

/** Tags as the API takes them: a list of `{ name, value }`, each of ASCII letters, digits, `_` and `-`. */
function validateTags(value: unknown): { name: string; value: string }[] | Invalid {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return invalid('validation_error', 'The `tags` field must be an array of objects with `name` and `value`.');
  const tags: { name: string; value: string }[] = [];
  for (const tag of value) {
    if (!isRecord(tag) || typeof tag.name !== 'string' || typeof tag.value !== 'string') {
      return invalid('validation_error', 'Each tag must be an object with a string `name` and `value`.');
    }
    if (!TAG_PART.test(tag.name) || !TAG_PART.test(tag.value)) {
      return invalid('validation_error', 'Tags should only contain ASCII letters, numbers, underscores, or dashes.');
    }
    tags.push({ name: tag.name, value: tag.value });
  }
  return tags;
}

/**
 * The body Resend posts to a webhook about a delivered email, as its docs show: the email's id, sender,
 * recipients, subject and tags (as an object), plus `bounce` or `click` details where the type has them.
 */
export function webhookPayload(
  email: ReceivedEmail,
  type: 'email.sent' | 'email.delivered' | 'email.opened' | 'email.clicked' | 'email.bounced' | 'email.complained',
  createdAt = new Date(),
): unknown {
  const extra =
    type === 'email.bounced'
      ? { bounce: { message: 'The recipient mailbox does not exist.', subType: 'General', type: 'Permanent' } }
      : type === 'email.clicked'
        ? {
            click: { ipAddress: '203.0.113.7', link: 'https://example.com/', timestamp: createdAt.toISOString(), userAgent: 'Mozilla/5.0' },
          }
        : {};
  return {
    type,
    created_at: createdAt.toISOString(),
    data: {
      created_at: new Date(email.receivedAt).toISOString(),
      email_id: email.id,
      from: email.from,
      to: email.to,
      subject: email.subject,
      ...(email.tags && { tags: Object.fromEntries(email.tags.map((t) => [t.name, t.value])) }),
      ...extra,
    },
  };
}

/** An address list (string or array) → its addresses, or why it is invalid. Absent lists are empty. */
function recipients(field: string, value: unknown, rejected: ReadonlySet<string>): string[] | Invalid {
  if (value === undefined || value === null) return [];
  const list: unknown = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((item): item is string => typeof item === 'string')) {
    return invalid('validation_error', `The \`${field}\` field must be a string or an array of strings.`);
  }
  if (list.length > MAX_RECIPIENTS) {
    return invalid('validation_error', `Too many recipients in \`${field}\`: ${list.length}. The maximum is ${MAX_RECIPIENTS}.`);
  }
  const malformed = list.find((address) => !isAddress(address));
  if (malformed !== undefined) return invalid('validation_error', `Invalid \`${field}\` field: ${malformed}. ${ADDRESS_HINT}`);
  const refused = list.find((address) => rejected.has(addressOf(address)));
  if (refused !== undefined) return invalid('validation_error', `Invalid \`${field}\` field: ${refused} was rejected.`);
  return list;
}

/** `Name <a@b.c>` or `a@b.c` → `a@b.c`, lower-cased. */
function addressOf(value: string): string {
  const angle = /<([^<>]*)>\s*$/.exec(value);
  return (angle?.[1] ?? value).trim().toLowerCase();
}

function isAddress(value: string): boolean {
  const angled = /^[^<>]*<([^<>]+)>\s*$/.exec(value);
  return EMAIL_RE.test((angled?.[1] ?? value).trim());
}

function nonEmpty<K extends string>(key: K, list: string[]): Partial<Record<K, string[]>> {
  return list.length > 0 ? ({ [key]: list } as Record<K, string[]>) : {};
}

function invalid(name: ErrorName, message: string): Invalid {
  return { ok: false, name, message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((item) => typeof item === 'string');
}

/** A string, or one the reader left unread (see fake-resend-body.ts). */
function isText(value: unknown): value is string | Unread {
  return typeof value === 'string' || value instanceof Unread;
}

function isBlank(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (value instanceof Unread && value.bytes === 0) ||
    (Array.isArray(value) && value.length === 0)
  );
}

// ---------------------------------------------------------------------------------------------
// HTTP helpers

function apiError(statusCode: number, name: ErrorName, message: string): Reply {
  return { status: statusCode, body: { statusCode, name, message } };
}

function rateLimitExceeded(retryAfterSeconds: number): Reply {
  return withHeaders(apiError(429, 'rate_limit_exceeded', MESSAGES.rateLimit), { 'retry-after': String(retryAfterSeconds) });
}

function serverError(status: 500 | 502 | 503): Reply {
  if (status === 500) return apiError(500, 'internal_server_error', MESSAGES.internal);
  const title = status === 502 ? '502 Bad Gateway' : '503 Service Unavailable';
  return { status, rawBody: `<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>` };
}

function withHeaders(reply: Reply, headers: Record<string, string>): Reply {
  return { ...reply, headers: { ...reply.headers, ...headers } };
}

function writeReply(res: ServerResponse, reply: Reply): void {
  const isRaw = reply.rawBody !== undefined;
  const payload = isRaw ? reply.rawBody : reply.body === undefined ? '' : JSON.stringify(reply.body);
  res.writeHead(reply.status, { 'content-type': isRaw ? 'text/html' : 'application/json', ...reply.headers });
  res.end(payload);
}

function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return match?.[1];
}

function batchMode(req: IncomingRequest): string {
  return req.path === '/emails/batch' ? (firstHeader(req.headers['x-batch-validation']) ?? 'strict') : '';
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(chunks));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Standalone: npx tsx test/fake-resend.ts --port 4010 --rate-limit 10

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '4010' },
      'rate-limit': { type: 'string' },
      latency: { type: 'string' },
      'envelopes-only': { type: 'boolean' },
      'api-key': { type: 'string', multiple: true },
    },
  });
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const fake = await startFakeResend({
    port: number(values.port),
    rateLimit: number(values['rate-limit']),
    latencyMs: number(values.latency),
    envelopesOnly: values['envelopes-only'],
    apiKeys: values['api-key'],
    onRequest: (entry) => {
      const key = entry.idempotencyKey === undefined ? '' : ` idempotency-key=${entry.idempotencyKey}`;
      const status = entry.status === 0 ? 'dropped' : String(entry.status);
      console.log(`${new Date(entry.at).toISOString()} ${entry.method} ${entry.path} ${status} ${Date.now() - entry.at}ms${key}`);
    },
  });
  console.log(`Fake Resend listening on ${fake.url} (RESEND_BASE_URL=${fake.url})`);
  const stop = () => void fake.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
