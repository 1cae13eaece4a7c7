/**
 * The fake Resend's JSON reader. A benchmark's batch is about 8 MB of JSON, nearly all of it the emails' `html` and
 * `text`, which a fake that keeps envelopes only never reads: decoding it as UTF-8 and building every string with
 * JSON.parse took most of the fake's CPU, and the fake shares the machine with the send it measures. This reader
 * checks the whole body is JSON and builds every value with JSON.parse, except a string under one of the `unread`
 * keys: that one is found by its closing quote and stands as an {@link Unread} of its length (its escapes and UTF-8
 * are not checked).
 */

/** A string value the reader stepped over: its length in bytes as sent, escapes included, without its quotes. */
export class Unread {
  constructor(readonly bytes: number) {}
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
// Bytes a number, true, false or null is made of; JSON.parse then says whether they form one.
const LITERAL = /^[-+.0-9A-Za-z]$/;

class Reader {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly unread: ReadonlySet<string>,
  ) {}

  value(): unknown {
    this.space();
    const c = this.buf[this.pos];
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === QUOTE) return this.string();
    const start = this.pos;
    while (this.pos < this.buf.length && LITERAL.test(String.fromCharCode(this.buf[this.pos] ?? 0))) this.pos++;
    if (start === this.pos) throw new SyntaxError(`Unexpected byte at ${start}`);
    return JSON.parse(this.buf.toString('latin1', start, this.pos));
  }

  /** Whatever follows the value must be white space. */
  end(): void {
    this.space();
    if (this.pos !== this.buf.length) throw new SyntaxError(`Unexpected byte at ${this.pos}`);
  }

  private object(): Record<string, unknown> {
    const object: Record<string, unknown> = {};
    this.pos++;
    if (this.closes(0x7d)) return object;
    for (;;) {
      if (this.next() !== QUOTE) throw new SyntaxError(`Expected a key at ${this.pos}`);
      const key = this.string();
      this.expect(0x3a);
      const value = this.unread.has(key) && this.next() === QUOTE ? this.skipString() : this.value();
      // As JSON.parse does: a key "__proto__" is an own property, not the object's prototype.
      Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
      if (this.closes(0x7d)) return object;
      this.expect(0x2c);
    }
  }

  private array(): unknown[] {
    const array: unknown[] = [];
    this.pos++;
    if (this.closes(0x5d)) return array;
    for (;;) {
      array.push(this.value());
      if (this.closes(0x5d)) return array;
      this.expect(0x2c);
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos = this.stringEnd();
    return JSON.parse(this.buf.toString('utf8', start, this.pos));
  }

  private skipString(): Unread {
    const start = this.pos;
    this.pos = this.stringEnd();
    return new Unread(this.pos - start - 2);
  }

  /** Just after the closing quote of the string whose opening quote is at `pos`: the first quote after an even run of backslashes. */
  private stringEnd(): number {
    for (let from = this.pos + 1; ; ) {
      const quote = this.buf.indexOf(QUOTE, from);
      if (quote < 0) throw new SyntaxError('Unterminated string');
      let before = quote - 1;
      while (this.buf[before] === BACKSLASH) before--;
      if ((quote - 1 - before) % 2 === 0) return quote + 1;
      from = quote + 1;
    }
  }

  /** The next byte that is not white space, left unread. */
  private next(): number | undefined {
    this.space();
    return this.buf[this.pos];
  }

  /** True, and past it, when the next byte that is not white space is `byte` (a closing bracket). */
  private closes(byte: number): boolean {
    if (this.next() !== byte) return false;
    this.pos++;
    return true;
  }

  private expect(byte: number): void {
    if (this.next() !== byte) throw new SyntaxError(`Expected ${String.fromCharCode(byte)} at ${this.pos}`);
    this.pos++;
  }

  private space(): void {
    for (let c = this.buf[this.pos]; c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = this.buf[++this.pos]);
  }
}

/** The JSON in `body` as JSON.parse of its UTF-8 would give it, but with the string values of `unread` keys left unread; throws a SyntaxError when it is not JSON. */
export function parseBody(body: Buffer, unread: ReadonlySet<string> = new Set()): unknown {
  const reader = new Reader(body, unread);
  const value = reader.value();
  reader.end();
  return value;
}
