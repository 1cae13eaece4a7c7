import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { writeFileDurably, readTextIfExists } from '../files.ts';
import { Issue } from '../digest/schema.ts';

/** Frozen issues, `<state>/issues/<week>.json`: what was built is what is previewed, sent and archived. */
export class IssueStore {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = path.join(stateDir, 'issues');
  }

  fileOf(week: string): string {
    return path.join(this.dir, `${week}.json`);
  }

  async read(week: string): Promise<Issue | null> {
    const text = await readTextIfExists(this.fileOf(week));
    if (text === null) return null;
    const parsed = Issue.safeParse(JSON.parse(text));
    if (!parsed.success) throw new UserError(`${this.fileOf(week)} is not a valid frozen issue; delete it and run build again.`);
    return parsed.data;
  }

  async write(issue: Issue): Promise<void> {
    await writeFileDurably(this.fileOf(issue.week), `${JSON.stringify(issue, null, 2)}\n`);
  }

  /** The weeks with a frozen issue, oldest first. */
  async weeks(): Promise<string[]> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => /^\d{4}-W\d{2}\.json$/.test(n)).map((n) => n.slice(0, -5)).sort();
  }

  /** Every frozen issue before `week`, oldest first. */
  async before(week: string): Promise<Issue[]> {
    const issues = await Promise.all((await this.weeks()).filter((w) => w < week).map((w) => this.read(w)));
    return issues.filter((i): i is Issue => i !== null);
  }
}
