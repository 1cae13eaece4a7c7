/**
 * Control characters in text from a file or a reader: C0 and C1 controls, DEL (all of Unicode's Cc) and the line and
 * paragraph separators. A terminal acts on them (ESC starts sequences that clear the screen or set its title) and a
 * mail header breaks on them (CR and LF start a new header), so one-line catalog fields refuse them, and whatever
 * is printed or put into a header has them escaped or replaced.
 */
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const LINE_BREAK = /[\n\r\u0085\u2028\u2029]/;

/** "U+001B" */
export function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The first control character of `text` and its position (1-based, in characters), or null. `multiline` text may
 * hold line feeds and tabs; `lineBreak` says whether the character found ends a line.
 */
export function firstControl(text: string, multiline = false): { char: string; position: number; lineBreak: boolean } | null {
  let position = 0;
  for (const char of text) {
    position++;
    if (CONTROL.test(char) && !(multiline && (char === '\n' || char === '\t'))) return { char, position, lineBreak: LINE_BREAK.test(char) };
  }
  return null;
}

/**
 * `text` as it may be printed to a terminal: `printable` line by line, so the line breaks the program wrote still
 * break lines and every other control character is a visible, inert `\u` escape (printed JSON stays JSON).
 */
export function terminalSafe(text: string): string {
  return text.split('\n').map(printable).join('\n');
}

/** `text` as it may go into a mail header: each run of control characters, line breaks included, is one space. */
export function headerSafe(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ');
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
