import { randomUUID } from 'node:crypto';
import type { Transport } from '../delivery/transport.ts';
import type { SenderSettings } from '../mail.ts';
import type { SubscriberList } from '../subscribers/list.ts';
import type { SubscriberEvents } from '../subscribers/store.ts';
import { CONFIRM_DAYS, confirmationMessage } from '../render/confirmation.ts';
import type { PendingSignup, Signup } from '../state/signups.ts';
import type { Signups } from '../state/stores.ts';

const DAY = 24 * 60 * 60 * 1000;
/**
 * How long a signup is held by the server that took it from the queue: long enough to send its email (the
 * transport retries on its own). A failed email, or one whose server died, is taken again by any server after it.
 */
const HOLD_MS = 5 * 60 * 1000;
/** One signup per address in this window: more is refused (429), whichever server it comes to. */
const SIGNUP_WINDOW_MS = 10 * 60 * 1000;

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

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Signups waiting for their confirmation email. A signup is kept durably before the form is answered, then
 * handled in order: an address already active gets nothing; any other is recorded as pending and mailed, with an
 * Idempotency-Key of its own so a retry after a crash never sends two. Every server sharing the queue works it:
 * each signup is taken by one at a time (Signups.claim), at a signup, as the server starts and every HOLD_MS, so
 * a failed email is tried again after HOLD_MS and what a server leaves undone, another or the next start finishes.
 */
export class SignupQueue {
  private readonly started: Promise<void>;
  private running: Promise<void> | null = null;
  private kickedWhileRunning = false;
  private round: NodeJS.Timeout | null = null;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(
    private readonly journal: Signups,
    private readonly deps: SignupDeps,
  ) {
    this.started = this.start();
    deps.signal?.addEventListener('abort', () => {
      if (this.round) clearTimeout(this.round);
    });
  }

  private get stopped(): boolean {
    return this.deps.signal?.aborted ?? false;
  }

  /** Says what earlier runs left undone, then starts on it. */
  private async start(): Promise<void> {
    try {
      const left = (await this.journal.pending(this.deps.log)).size;
      if (left > 0) this.deps.log?.(`Sending ${left} confirmation email${left === 1 ? '' : 's'} left from the last run.`);
    } catch (error) {
      this.deps.log?.(`The signup queue could not be read (${messageOf(error)}); it is tried again in ${HOLD_MS / 60_000} minutes.`);
    }
    this.kick();
  }

  /** Keeps a signup durably; once this says ok, its confirmation email goes out even if the process dies now. */
  add(request: { email: string; name: string | null; categories: string[]; at: Date }) {
    const signup: Signup = {
      type: 'signup',
      id: randomUUID(),
      email: request.email,
      name: request.name,
      categories: request.categories,
      at: request.at.toISOString(),
    };
    return this.journal.add(signup, SIGNUP_WINDOW_MS);
  }

  /** Starts sending what is pending, unless that is already under way; returns at once. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.kickedWhileRunning = true;
      return;
    }
    this.running = this.work().finally(() => {
      this.running = null;
      if (this.kickedWhileRunning && !this.stopped) {
        this.kickedWhileRunning = false;
        this.kick();
      } else for (const resolve of this.idleWaiters.splice(0)) resolve();
    });
  }

  /** Resolves when every signup free to take was handled or has failed for now (tests and a graceful stop). */
  async idle(): Promise<void> {
    await this.started;
    if (!this.running) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private async work(): Promise<void> {
    try {
      for (let signup = await this.journal.claim(HOLD_MS); signup && !this.stopped; signup = await this.journal.claim(HOLD_MS)) {
        const taken = signup;
        await this.handle(taken).catch((error: unknown) => {
          this.deps.log?.(`The confirmation email to ${taken.email} failed: ${messageOf(error)}.`);
        });
      }
    } catch (error) {
      this.deps.log?.(`The signup queue could not be read (${messageOf(error)}); it is tried again in ${HOLD_MS / 60_000} minutes.`);
    }
    if (!this.stopped && !this.round) {
      this.round = setTimeout(() => {
        this.round = null;
        this.kick();
      }, HOLD_MS);
      this.round.unref();
    }
  }

  /** Sends the signup's email, or finds there is none to send; one that failed is left held, for a later round. */
  private async handle(signup: PendingSignup): Promise<void> {
    const at = new Date(signup.at);
    if (this.deps.now().getTime() - at.getTime() > CONFIRM_DAYS * DAY) return this.finish(signup, 'expired before it could be sent');
    if (!signup.recorded) {
      // Active readers get the same answer and no email, so the form never tells who is on the list.
      if ((await this.deps.list()).get(signup.email)?.status === 'active') return this.finish(signup, 'already active');
      if (this.stopped) return;
      await this.deps.store.record({
        type: 'subscribe',
        email: signup.email,
        name: signup.name,
        categories: signup.categories,
        at: signup.at,
      });
      await this.journal.write({ type: 'recorded', id: signup.id });
    }
    // Rendered from the signup alone, so a retry sends the very same message under the same key.
    const message = await confirmationMessage(signup.email, this.deps.settings, at);
    const outcome = await this.deps.transport.sendBatch([message], `confirm-${signup.id}`);
    if (outcome.kind === 'failed') {
      this.deps.log?.(
        `The confirmation email to ${signup.email} was not sent (${outcome.reason}); it is tried again in ${HOLD_MS / 60_000} minutes.`,
      );
      return;
    }
    const [refused] = outcome.rejected;
    if (refused) {
      this.deps.log?.(`The confirmation email to ${signup.email} was refused: ${refused.reason}.`);
      return this.finish(signup, `refused: ${refused.reason}`);
    }
    return this.finish(signup, 'sent');
  }

  private async finish(signup: Signup, outcome: string): Promise<void> {
    if (this.stopped) return;
    await this.journal.write({ type: 'done', id: signup.id, outcome, at: this.deps.now().toISOString() });
  }
}
