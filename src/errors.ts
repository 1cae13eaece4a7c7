import type { z } from 'zod';

/** A mistake a user can make and fix: printed as one sentence, never as a stack trace. */
export class UserError extends Error {
  override name = 'UserError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** A defect in the subscriber list or a file to import: names the file. */
export class SubscribersError extends UserError {
  override name = 'SubscribersError';
}

/** Where in a user's file a sentence points: `file, line N`, or the file alone when no line is known (0). */
export function atLine(file: string, line = 0): string {
  return line > 0 ? `${file}, line ${line}` : file;
}

/**
 * A line of a file that is not what it should be, in one sentence: the file and line, what is wrong with it, what
 * that keeps the command from doing (when said), and how to repair it.
 */
export class LineError extends UserError {
  override name = 'LineError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
    readonly repair: string,
    consequence?: string,
  ) {
    super(`${atLine(file, line)} ${problem}${consequence ? `, so ${consequence}` : ''}; ${repair}.`);
  }

  /** The same damage, said for another command. */
  for(consequence: string): LineError {
    return new LineError(this.file, this.line, this.problem, this.repair, consequence);
  }
}

/** A send ledger line that is no record: what the command that met it cannot tell. */
export class LedgerError extends LineError {
  override name = 'LedgerError';
  constructor(file: string, line: number, consequence: string) {
    super(
      file,
      line,
      'is not a ledger record',
      'restore the file from a backup or repair that line by hand (see "Damaged state" in README.md)',
      consequence,
    );
  }
}

/**
 * The send lost its lock mid-send (PostgreSQL: the lock's connection ended): it stops after the requests in flight,
 * and writes nothing more to its ledger, since another host may now hold the lock.
 */
export class SendLockLost extends UserError {
  override name = 'SendLockLost';
}

/** A line of the reader votes that is no vote: what the command that met it cannot do. */
export class VotesError extends LineError {
  override name = 'VotesError';
  constructor(file: string, line: number, consequence = "the readers' votes cannot be counted") {
    super(file, line, 'is not a vote', 'fix or delete that line (see "Damaged state" in README.md)', consequence);
  }
}

/** `panel[1].score` from a zod path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (value, key) => (value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined),
    input,
  );
}

/** One sentence per zod issue, each prefixed with `where` (a file, or a file and line); `input` lets a missing field say so. */
export function describeIssues(where: string, error: z.ZodError, input?: unknown): string[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => `"${fieldPath([...issue.path, k])}"`).join(', ');
      return `${where}: unknown key ${keys}.`;
    }
    const field = fieldPath(issue.path);
    const missing = input !== undefined && issue.path.length > 0 && valueAt(input, issue.path) === undefined;
    const message =
      missing || (issue.code === 'invalid_type' && issue.message.endsWith('received undefined'))
        ? 'is missing'
        : issue.message.replace(/\.$/, '');
    return field ? `${where}: field "${field}" ${lowerFirst(message)}.` : `${where}: ${lowerFirst(message)}.`;
  });
}

function lowerFirst(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text.charAt(0).toLowerCase() + text.slice(1) : text;
}
