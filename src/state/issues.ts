import { createHash } from 'node:crypto';
import { type Stats, statSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { writeFileDurably, readTextIfExists } from '../files.ts';
import { Issue } from '../digest/schema.ts';

/** The text an issue is frozen as: the same issue always gives the same bytes. */
export function frozenText(issue: Issue): string {
  return `${JSON.stringify(issue, null, 2)}\n`;
}

/** The sha256 of a frozen issue's text, which a send's ledger records as it starts. */
export function frozenDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The issue frozen as `text` at `place`, or one sentence naming it and how to `repair` it. */
export function parseFrozen(place: string, text: string, repair: string): Issue {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`${place} is not valid JSON (cut short or damaged), so it is not a frozen issue; ${repair}.`);
  }
  const parsed = Issue.safeParse(json);
  if (!parsed.success) throw new UserError(`${place} is not a valid frozen issue; ${repair}.`);
  return parsed.data;
}

/** What to do about a week's frozen issue that cannot be read. */
export const rebuildRepair = (week: string) =>
  // A damaged issue of a week whose send started is put back from its ledger by build or send; any other is built anew.
  `delete it and run \`build --week ${week}\` again to freeze it anew (as sent, if its send had started)`;

/** Frozen issues, `<state>/issues/<week>.json`: what was built is what is previewed, sent and archived. */
export class IssueStore {
  readonly dir: string;

  /** `folder`: the state folder. */
  constructor(folder: string) {
    this.dir = path.join(folder, 'issues');
  }

  placeOf(week: string): string {
    return path.join(this.dir, `${week}.json`);
  }

  /** Changes whenever the week's frozen file is written or replaced; null when there is none. */
  async version(week: string): Promise<string | null> {
    // Sync: serve asks on every archive page, and a stat in place costs a few µs against the thread pool's 30.
    let file: Stats | undefined;
    try {
      file = statSync(this.placeOf(week), { throwIfNoEntry: false });
    } catch (error) {
      const { code, message } = error as NodeJS.ErrnoException;
      throw new UserError(`${this.placeOf(week)} cannot be read (${code ?? message}).`);
    }
    return file ? `${file.ino}:${file.mtimeMs}:${file.size}` : null;
  }

  /** The frozen issue, or null when there is none; a file that exists but cannot be read or parsed is an error naming it. */
  async read(week: string): Promise<Issue | null> {
    const repair = rebuildRepair(week);
    const text = await this.text(week, repair);
    return text === null ? null : this.parse(week, text, repair);
  }

  /** The frozen file's text, or null when there is none; `repair` says what to do when it cannot be read. */
  async text(week: string, repair: string): Promise<string | null> {
    try {
      return await readTextIfExists(this.placeOf(week));
    } catch (error) {
      throw new UserError(
        `${this.placeOf(week)} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); check its permissions, or ${repair}.`,
      );
    }
  }

  /** The issue frozen as `text`; `repair` says what to do when it is not one. */
  parse(week: string, text: string, repair: string): Issue {
    return parseFrozen(this.placeOf(week), text, repair);
  }

  async write(issue: Issue): Promise<void> {
    await writeFileDurably(this.placeOf(issue.week), frozenText(issue));
  }

  /** Removes the week's frozen issue, if there is one. */
  async remove(week: string): Promise<void> {
    await rm(this.placeOf(week), { force: true });
  }

  /** The weeks with a frozen issue, oldest first. */
  async weeks(): Promise<string[]> {
    const names = await readdir(this.dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw new UserError(`${this.dir} cannot be read (${error.code ?? error.message}); check that it is a folder you may read.`);
    });
    return names
      .filter((n) => /^\d{4}-W\d{2}\.json$/.test(n))
      .map((n) => n.slice(0, -5))
      .sort();
  }

  /** Every frozen issue before `week`, oldest first. */
  async before(week: string): Promise<Issue[]> {
    const issues = await Promise.all((await this.weeks()).filter((w) => w < week).map((w) => this.read(w)));
    return issues.filter((i): i is Issue => i !== null);
  }
}
