import { randomUUID } from 'node:crypto';
import type { Transport } from '../delivery/transport.ts';
import type { SenderSettings } from '../mail.ts';
import type { SubscriberList } from '../subscribers/list.ts';
import type { SubscriberEvents } from '../subscribers/store.ts';
import { CONFIRM_DAYS, confirmationMessage } from '../render/confirmation.ts';
import type { PendingSignup, Signup } from '../state/signups.ts';
import type { Signups } from '../state/stores.ts';

const DAY = 24 * 60 * 60 * 1000;
/** How long a failed confirmation email waits before it is tried again (the transport already retried it). */
const RETRY_MS = 5 * 60 * 1000;

export interface SignupDeps {
  now: () => Date;
  transport: Transport;
  settings: SenderSettings;
  store: SubscriberEvents;
  list: () => Promise<SubscriberList>;
  /** Stops the queue: nothing more is written or sent (what is left goes at the next start). */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

/**
 * Signups waiting for their confirmation email. A signup is written durably to signups.jsonl before the form is
 * answered, then handled in order: an address already active gets nothing; any other is recorded as pending and
 * mailed, with an Idempotency-Key of its own so a retry after a crash never sends two. A failed email is tried
 * again after RETRY_MS; what a run leaves undone, the next start finishes.
 */
export class SignupQueue {
  private readonly pending = new Map<string, PendingSignup>();
  private readonly failed = new Set<string>();
  private readonly loaded: Promise<void>;
  private running: Promise<void> | null = null;
  private retry: NodeJS.Timeout | null = null;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly journal: Signups,
    private readonly deps: SignupDeps,
  ) {
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
    for (const [id, signup] of await this.journal.pending(this.deps.log)) this.pending.set(id, signup);
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
    await this.journal.write(signup);
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
  private async handle(signup: PendingSignup): Promise<boolean> {
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
      await this.journal.write({ type: 'recorded', id: signup.id });
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
    await this.journal.write({ type: 'done', id: signup.id, outcome, at: this.deps.now().toISOString() });
    this.pending.delete(signup.id);
    return true;
  }
}
