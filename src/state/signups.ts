import path from 'node:path';
import { z } from 'zod';
import { LineError } from '../errors.ts';
import { appendLinesDurably, parseJsonLineStrictly, readLines } from '../files.ts';
import { Address } from '../subscribers/schema.ts';

/** One signup from the form, as the queue keeps it until its confirmation email is out. */
export const Signup = z.object({
  type: z.literal('signup'),
  id: z.string(),
  email: Address,
  name: z.string().nullable(),
  categories: z.array(z.string()),
  at: z.iso.datetime(),
});
export type Signup = z.infer<typeof Signup>;

export const SignupLine = z.discriminatedUnion('type', [
  Signup,
  /** The signup's `subscribe` event is in the subscriber store. */
  z.object({ type: z.literal('recorded'), id: z.string() }),
  z.object({ type: z.literal('done'), id: z.string(), outcome: z.string(), at: z.iso.datetime() }),
]);
export type SignupLine = z.infer<typeof SignupLine>;

/** A signup not done with yet; `recorded` once its `subscribe` event is in the subscriber store. */
export type PendingSignup = Signup & { recorded: boolean };

/** What the file says: the signups not done with, and each address's latest signup (ms), for the limit. */
interface Queue {
  open: Map<string, PendingSignup>;
  latest: Map<string, number>;
}

/**
 * `<state>/subscribers/signups.jsonl`, the durable queue of signups: each is written before the form is
 * answered, then marked recorded and done, so what a run leaves undone is read back at the next start.
 * One server process works it: the file is read once and then kept in memory, and a signup is held in memory only.
 */
export class SignupsFile {
  readonly file: string;
  private queue: Promise<Queue> | null = null;
  private readonly held = new Map<string, number>();

  /** `folder`: the state folder. */
  constructor(folder: string) {
    this.file = path.join(folder, 'subscribers', 'signups.jsonl');
  }

  /** The signups earlier runs left undone, oldest first. */
  async pending(log?: (line: string) => void): Promise<Map<string, PendingSignup>> {
    return (await this.read(log)).open;
  }

  private async read(log?: (line: string) => void): Promise<Queue> {
    const queue: Queue = { open: new Map(), latest: new Map() };
    for await (const entry of this.history(log)) apply(queue, entry);
    return queue;
  }

  /** Every line of the queue in the order written, done signups too; a line that is not one is skipped and told to `log`. */
  async *history(log?: (line: string) => void): AsyncGenerator<SignupLine> {
    for await (const { line, number } of readLines(this.file)) {
      const json = parseJsonLineStrictly(line);
      if (json === undefined) continue;
      const parsed = 'value' in json ? SignupLine.safeParse(json.value) : null;
      if (!parsed?.success) {
        // One unreadable line must not take the pages down, but it may be a reader still waiting for their email.
        const consequence = 'if it was one, that reader gets no confirmation email until they sign up again';
        log?.(new LineError(this.file, number, 'is not a signup and was skipped', 'fix or delete that line', consequence).message);
        continue;
      }
      yield parsed.data;
    }
  }

  private kept(): Promise<Queue> {
    this.queue ??= this.read();
    // A file that could not be read is tried again next time, not remembered as broken.
    this.queue.catch(() => (this.queue = null));
    return this.queue;
  }

  async add(signup: Signup, windowMs: number): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }> {
    const queue = await this.kept();
    const at = Date.parse(signup.at);
    const before = queue.latest.get(signup.email);
    if (before !== undefined && at - before < windowMs) {
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((before + windowMs - at) / 1000)) };
    }
    // Counted before the write, with no await between, so two signups of one address at once cannot both pass.
    queue.latest.set(signup.email, at);
    try {
      await appendLinesDurably(this.file, [JSON.stringify(Signup.parse(signup))]);
    } catch (error) {
      if (before === undefined) queue.latest.delete(signup.email);
      else queue.latest.set(signup.email, before);
      throw error;
    }
    queue.open.set(signup.id, { ...signup, recorded: false });
    return { ok: true };
  }

  async claim(holdMs: number): Promise<PendingSignup | null> {
    const { open } = await this.kept();
    const now = Date.now();
    const free = [...open.values()].find((signup) => (this.held.get(signup.id) ?? 0) <= now);
    if (!free) return null;
    this.held.set(free.id, now + holdMs);
    return { ...free };
  }

  async write(entry: SignupLine): Promise<void> {
    const line = SignupLine.parse(entry);
    await appendLinesDurably(this.file, [JSON.stringify(line)]);
    if (line.type === 'done') this.held.delete(line.id);
    const queue = await this.queue?.catch(() => null);
    if (queue) apply(queue, line);
  }
}

function apply(queue: Queue, entry: SignupLine): void {
  if (entry.type === 'signup') {
    queue.open.set(entry.id, { ...entry, recorded: false });
    const at = Date.parse(entry.at);
    if (at > (queue.latest.get(entry.email) ?? -Infinity)) queue.latest.set(entry.email, at);
  } else if (entry.type === 'recorded') {
    const signup = queue.open.get(entry.id);
    if (signup) signup.recorded = true;
  } else queue.open.delete(entry.id);
}
