import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { Transport } from '../delivery/transport.ts';
import { LineError } from '../errors.ts';
import { AppendedLines, appendLinesDurably, parseJsonLine, parseJsonLineStrictly, readLines } from '../files.ts';
import type { SenderSettings } from '../mail.ts';
import type { SubscriberList } from '../subscribers/list.ts';
import { Address, SubscriberEvent, type SubscriberStatus } from '../subscribers/schema.ts';
import type { SubscriberStore } from '../subscribers/store.ts';
import { verifyConfirmToken } from '../subscribers/tokens.ts';
import { CONFIRM_DAYS, confirmationMessage } from '../render/confirmation.ts';

/**
 * Double opt-in, from the signup form to the click that activates: signups are answered at once and the
 * same way for every address, then confirmed by mail from a durable queue; a confirmation link counts only
 * if it was issued after the address's latest opt-out.
 */

const DAY = 24 * 60 * 60 * 1000;
const STOPS: ReadonlySet<SubscriberStatus> = new Set(['unsubscribed', 'bounced', 'complained']);
/** How long a failed confirmation email waits before it is tried again (the transport already retried it). */
const RETRY_MS = 5 * 60 * 1000;

/** When `event` stops mail to its address (unsubscribe, bounce, complaint, an import or add that stops it), in ms; else null. */
export function optOutTime(event: SubscriberEvent): number | null {
  switch (event.type) {
    case 'unsubscribe':
    case 'bounce':
    case 'complaint':
      return Date.parse(event.at);
    case 'add':
      return STOPS.has(event.status) ? Date.parse(event.at) : null;
    default:
      return null;
  }
}

/** When each address last opted out by a recorded event, kept current by reading only what was appended since. */
export class OptOuts {
  private readonly latest = new Map<string, number>();
  private readonly lines: AppendedLines;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(store: SubscriberStore) {
    this.lines = new AppendedLines(store.file);
  }

  /** The time of the address's latest recorded opt-out, in ms, or null when it never opted out by an event. */
  latestFor(email: string): Promise<number | null> {
    const next = this.turn.then(() => this.refresh()).then(() => this.latest.get(email) ?? null);
    this.turn = next.catch(() => undefined);
    return next;
  }

  private async refresh(): Promise<void> {
    const { restarted, lines } = await this.lines.next();
    if (restarted) this.latest.clear();
    for await (const { line } of lines) {
      // A damaged line stops the list (LiveSubscribers says where); here it is just not an opt-out.
      const event = SubscriberEvent.safeParse(parseJsonLine(line));
      const at = event.success ? optOutTime(event.data) : null;
      if (event.success && at !== null && at >= (this.latest.get(event.data.email) ?? -Infinity)) this.latest.set(event.data.email, at);
    }
  }
}

/** What a confirmation link is worth right now. */
export type LinkCheck =
  | { kind: 'valid'; email: string; issuedAt: Date }
  /** Forged, altered, expired, or for an address that never signed up. */
  | { kind: 'bad' }
  /** Genuine, but issued before the address's latest opt-out: only a new signup can bring them back. */
  | { kind: 'superseded'; email: string };

/** Pure: a verified token's worth, given whether the address is known and when it last opted out. */
export function judgeLink(token: { email: string; issuedAt: Date } | null, known: boolean, latestOptOut: number | null): LinkCheck {
  if (!token || !known) return { kind: 'bad' };
  if (latestOptOut !== null && token.issuedAt.getTime() <= latestOptOut) return { kind: 'superseded', email: token.email };
  return { kind: 'valid', ...token };
}

/** One signup from the form, as the queue keeps it until its confirmation email is out. */
const Signup = z.object({
  type: z.literal('signup'),
  id: z.string(),
  email: Address,
  name: z.string().nullable(),
  categories: z.array(z.string()),
  at: z.iso.datetime(),
});
type Signup = z.infer<typeof Signup>;

const SignupLine = z.discriminatedUnion('type', [
  Signup,
  /** The signup's `subscribe` event is in the subscriber store. */
  z.object({ type: z.literal('recorded'), id: z.string() }),
  z.object({ type: z.literal('done'), id: z.string(), outcome: z.string(), at: z.iso.datetime() }),
]);
type SignupLine = z.infer<typeof SignupLine>;

export interface SignupDeps {
  now: () => Date;
  transport: Transport;
  settings: SenderSettings;
  store: SubscriberStore;
  list: () => Promise<SubscriberList>;
  /** Stops the queue: nothing more is written or sent (what is left goes at the next start). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * Signups waiting for their confirmation email, in `<state>/subscribers/signups.jsonl`. A signup is written
 * there durably before the form is answered, then handled in order: an address already active gets nothing;
 * any other is recorded as pending and mailed, with an Idempotency-Key of its own so a retry after a crash
 * never sends two. What a run leaves undone, the next start finishes.
 */
export class SignupQueue {
  readonly file: string;
  private readonly pending = new Map<string, Signup & { recorded: boolean }>();
  private readonly failed = new Set<string>();
  private readonly loaded: Promise<void>;
  private running: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    stateDir: string,
    private readonly deps: SignupDeps,
  ) {
    this.file = path.join(stateDir, 'subscribers', 'signups.jsonl');
    this.loaded = this.load();
    deps.signal?.addEventListener('abort', () => {
      if (this.retry) clearTimeout(this.retry);
    });
  }

  private get stopped(): boolean {
    return this.deps.signal?.aborted ?? false;
  }

  /** Reads what earlier runs left undone, then starts on it. */
  private async load(): Promise<void> {
    for await (const { line, number } of readLines(this.file)) {
      const json = parseJsonLineStrictly(line);
      if (json === undefined) continue;
      const parsed = 'value' in json ? SignupLine.safeParse(json.value) : null;
      if (!parsed?.success) {
        // One unreadable line must not take the pages down, but it may be a reader still waiting for their email.
        const consequence = 'if it was one, that reader gets no confirmation email until they sign up again';
        this.deps.log?.(
          new LineError(this.file, number, 'is not a signup and was skipped', 'fix or delete that line', consequence).message,
        );
        continue;
      }
      const entry = parsed.data;
      if (entry.type === 'signup') this.pending.set(entry.id, { ...entry, recorded: false });
      else if (entry.type === 'recorded') {
        const signup = this.pending.get(entry.id);
        if (signup) signup.recorded = true;
      } else this.pending.delete(entry.id);
    }
    if (this.pending.size > 0)
      this.deps.log?.(`Sending ${this.pending.size} confirmation email${this.pending.size === 1 ? '' : 's'} left from the last run.`);
    this.kick();
  }

  /** Keeps a signup durably; once this resolves, its confirmation email goes out even if the process dies now. */
  async add(request: { email: string; name: string | null; categories: string[]; at: Date }): Promise<void> {
    await this.loaded;
    const signup: Signup = {
      type: 'signup',
      id: randomUUID(),
      email: request.email,
      name: request.name,
      categories: request.categories,
      at: request.at.toISOString(),
    };
    await this.write(signup);
    this.pending.set(signup.id, { ...signup, recorded: false });
  }

  /** Starts sending what is pending, unless that is already under way; returns at once. */
  kick(): void {
    if (this.running || this.stopped) return;
    this.running = this.work().finally(() => {
      this.running = null;
      if (!this.stopped && [...this.pending.keys()].some((id) => !this.failed.has(id))) this.kick();
      else for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  /** Resolves when every pending signup was handled or has failed for now (tests and a graceful stop). */
  async idle(): Promise<void> {
    await this.loaded;
    if (!this.running) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private async work(): Promise<void> {
    for (;;) {
      const next = [...this.pending.values()].find((s) => !this.failed.has(s.id));
      if (!next || this.stopped) break;
      const handled = await this.handle(next).catch((error: unknown) => {
        this.deps.log?.(`The confirmation email to ${next.email} failed: ${error instanceof Error ? error.message : String(error)}.`);
        return false;
      });
      if (!handled) this.failed.add(next.id);
    }
    if (this.failed.size > 0 && !this.stopped && !this.retry) {
      this.retry = setTimeout(() => {
        this.retry = null;
        this.failed.clear();
        this.kick();
      }, RETRY_MS);
      this.retry.unref();
    }
  }

  /** True when the signup is done with (sent, or nothing to send); false to try it again later. */
  private async handle(signup: Signup & { recorded: boolean }): Promise<boolean> {
    const at = new Date(signup.at);
    if (this.deps.now().getTime() - at.getTime() > CONFIRM_DAYS * DAY) return this.finish(signup, 'expired before it could be sent');
    if (!signup.recorded) {
      // Active readers get the same answer and no email, so the form never tells who is on the list.
      if ((await this.deps.list()).get(signup.email)?.status === 'active') return this.finish(signup, 'already active');
      if (this.stopped) return false;
      await this.deps.store.record({
        type: 'subscribe',
        email: signup.email,
        name: signup.name,
        categories: signup.categories,
        at: signup.at,
      });
      await this.write({ type: 'recorded', id: signup.id });
      signup.recorded = true;
    }
    // Rendered from the signup alone, so a retry sends the very same message under the same key.
    const message = await confirmationMessage(signup.email, this.deps.settings, at);
    const outcome = await this.deps.transport.sendBatch([message], `confirm-${signup.id}`);
    if (outcome.kind === 'failed') {
      this.deps.log?.(
        `The confirmation email to ${signup.email} was not sent (${outcome.reason}); it is tried again in ${RETRY_MS / 60_000} minutes and at the next start.`,
      );
      return false;
    }
    const [refused] = outcome.rejected;
    if (refused) {
      this.deps.log?.(`The confirmation email to ${signup.email} was refused: ${refused.reason}.`);
      return this.finish(signup, `refused: ${refused.reason}`);
    }
    return this.finish(signup, 'sent');
  }

  private async finish(signup: Signup, outcome: string): Promise<boolean> {
    if (this.stopped) return false;
    await this.write({ type: 'done', id: signup.id, outcome, at: this.deps.now().toISOString() });
    this.pending.delete(signup.id);
    return true;
  }

  private async write(line: SignupLine): Promise<void> {
    await appendLinesDurably(this.file, [JSON.stringify(SignupLine.parse(line))]);
  }
}

/** Reads and completes confirmation links: a GET only looks, a POST activates. */
export class Confirmations {
  private readonly optOuts: OptOuts;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly secret: string,
    private readonly store: SubscriberStore,
    private readonly list: () => Promise<SubscriberList>,
    private readonly now: () => Date,
  ) {
    this.optOuts = new OptOuts(store);
    // Read now, so the first click on a link does not wait for a long event store.
    this.optOuts.latestFor('').catch(() => undefined);
  }

  /** What the link is worth now; changes nothing. */
  async check(token: string | undefined): Promise<LinkCheck> {
    const verified = token ? verifyConfirmToken(this.secret, token, this.now()) : null;
    if (!verified) return { kind: 'bad' };
    const [everyone, latest] = await Promise.all([this.list(), this.optOuts.latestFor(verified.email)]);
    return judgeLink(verified, everyone.has(verified.email), latest);
  }

  /** Completes the double opt-in when the link is still valid; one at a time, so a check never races a confirm. */
  confirm(token: string | undefined): Promise<LinkCheck> {
    const done = this.turn.then(async () => {
      const check = await this.check(token);
      if (check.kind !== 'valid') return check;
      if ((await this.list()).get(check.email)?.status !== 'active') {
        await this.store.record({ type: 'opt-in', email: check.email, at: this.now().toISOString(), issued: check.issuedAt.toISOString() });
      }
      return check;
    });
    this.turn = done.catch(() => undefined);
    return done;
  }
}
