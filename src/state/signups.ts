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

/**
 * `<state>/subscribers/signups.jsonl`, the durable queue of signups: each is written before the form is
 * answered, then marked recorded and done, so what a run leaves undone is read back at the next start.
 */
export class SignupsFile {
  readonly file: string;

  /** `folder`: the state folder. */
  constructor(folder: string) {
    this.file = path.join(folder, 'subscribers', 'signups.jsonl');
  }

  /** The signups earlier runs left undone, oldest first. */
  async pending(log?: (line: string) => void): Promise<Map<string, PendingSignup>> {
    const pending = new Map<string, PendingSignup>();
    for await (const entry of this.history(log)) {
      if (entry.type === 'signup') pending.set(entry.id, { ...entry, recorded: false });
      else if (entry.type === 'recorded') {
        const signup = pending.get(entry.id);
        if (signup) signup.recorded = true;
      } else pending.delete(entry.id);
    }
    return pending;
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

  async write(line: SignupLine): Promise<void> {
    await appendLinesDurably(this.file, [JSON.stringify(SignupLine.parse(line))]);
  }
}
