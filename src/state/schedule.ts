import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../errors.ts';
import { readTextIfExists, writeFileDurably } from '../files.ts';

/** What `schedule` keeps between runs: every tick up to `handledUntil` was handled, or came before its first start. */
export const ScheduleRecord = z.strictObject({ handledUntil: z.coerce.date() });
export type ScheduleRecord = z.infer<typeof ScheduleRecord>;

/** `<state>/schedule.json`: that a scheduler ran, and until when it handled its ticks. */
export class ScheduleStore {
  readonly file: string;

  /** `folder`: the state folder. */
  constructor(folder: string) {
    this.file = path.join(folder, 'schedule.json');
  }

  get place(): string {
    return this.file;
  }

  /** The record, or null when no scheduler ran on this state. */
  async read(): Promise<ScheduleRecord | null> {
    const damaged = (why: string) =>
      new UserError(
        `${this.file} ${why}; delete it, and the scheduler starts as for the first time (it sends nothing at once; --catch-up sends the last week that ended).`,
      );
    let text: string | null;
    try {
      text = await readTextIfExists(this.file);
    } catch (error) {
      throw damaged(`cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    if (text === null) return null;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw damaged('is not valid JSON');
    }
    const parsed = ScheduleRecord.safeParse(json);
    if (!parsed.success) throw damaged('is not a schedule record');
    return parsed.data;
  }

  async write(record: ScheduleRecord): Promise<void> {
    await writeFileDurably(this.file, `${JSON.stringify(record)}\n`);
  }
}
