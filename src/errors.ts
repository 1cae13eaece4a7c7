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

/** A defect in the catalog: names the file and the field or key. */
export class CatalogError extends UserError {
  override name = 'CatalogError';
  constructor(readonly defects: string[]) {
    super(defects.join('\n'));
  }
}

/** A week's issue that cannot be built as asked: says why and how to trim it. */
export class IssueError extends UserError {
  override name = 'IssueError';
}

/** A defect in the subscriber list or store: names the file and line. */
export class SubscribersError extends UserError {
  override name = 'SubscribersError';
}

/** A missing or invalid setting: names the variable or flag. */
export class ConfigError extends UserError {
  override name = 'ConfigError';
}

/** A send ledger line that is no record: names the file and line, and what the command that met it cannot tell. */
export class LedgerError extends UserError {
  override name = 'LedgerError';
  constructor(
    readonly file: string,
    readonly line: number,
    consequence: string,
  ) {
    super(
      `${file}, line ${line} is not a ledger record, so ${consequence}; restore the file from a backup or repair that line by hand (see "Damaged state" in README.md).`,
    );
  }

  /** The same damage, said for another command. */
  for(consequence: string): LedgerError {
    return new LedgerError(this.file, this.line, consequence);
  }
}

/** A line of the reader votes that is no vote: names the file and line, and what the command that met it cannot do. */
export class VotesError extends UserError {
  override name = 'VotesError';
  constructor(
    readonly file: string,
    readonly line: number,
    consequence = "the readers' votes cannot be counted",
  ) {
    super(`${file}, line ${line} is not a vote, so ${consequence}; fix or delete that line (see "Damaged state" in README.md).`);
  }

  /** The same damage, said for another command. */
  for(consequence: string): VotesError {
    return new VotesError(this.file, this.line, consequence);
  }
}

/** Resend or the outbox refused or failed: says what failed and where. */
export class DeliveryError extends UserError {
  override name = 'DeliveryError';
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

// Control characters (a terminal acts on ESC sequences, CR and BS), line separators and bidirectional overrides.
const UNPRINTABLE = /[\p{Cc}\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;
const SHOWN_LENGTH = 80;

/** Text from a user's file with unprintable characters as `\u` escapes, so a terminal shows it and acts on none. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A value from a user's file as a message shows it: in quotes, printable, cut at 80 characters. */
export function quoted(value: string): string {
  return `"${printable(value.length > SHOWN_LENGTH ? `${value.slice(0, SHOWN_LENGTH)}…` : value)}"`;
}
