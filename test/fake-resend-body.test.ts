import { describe, expect, it } from 'vitest';
import { parseBody, Unread } from './fake-resend-body.ts';

/** Random JSON-able values with the strings a body holds: escapes, quotes, backslashes, accents, emoji. */
function randomValue(random: () => number, depth = 0): unknown {
  const pick = Math.floor(random() * (depth > 3 ? 4 : 6));
  if (pick === 0) return [null, true, false][Math.floor(random() * 3)];
  if (pick === 1) return [0, -1, 3.25, 1e21, -0.5e-7, 12345678901][Math.floor(random() * 6)];
  if (pick <= 3) {
    const alphabet = ['a', '"', '\\', '\\\\"', '\n', '\u0001', 'é', '·', '😀', '</p>', '\u2028', ' '];
    return Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  }
  if (pick === 4) return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1));
  const keys = ['from', 'html', 'text', 'to', '__proto__', 'é"'];
  return Object.fromEntries(
    Array.from({ length: Math.floor(random() * 5) }, () => [keys[Math.floor(random() * keys.length)], randomValue(random, depth + 1)]),
  );
}

/** What parseBody gives with `html` and `text` left unread, from what JSON.parse gives. */
function unreadFrom(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unreadFrom);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const kept =
      (key === 'html' || key === 'text') && typeof v === 'string' ? new Unread(Buffer.byteLength(JSON.stringify(v)) - 2) : unreadFrom(v);
    Object.defineProperty(out, key, { value: kept, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

describe('parseBody', () => {
  it('reads what JSON.parse reads, spacing and all, and steps over the strings it is told to leave', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 500; i++) {
      const value = randomValue(random);
      for (const json of [JSON.stringify(value), JSON.stringify(value, null, random() < 0.5 ? 2 : '\t')]) {
        const body = Buffer.from(` ${json}\r\n`);
        expect(parseBody(body)).toStrictEqual(JSON.parse(json));
        expect(parseBody(body, new Set(['html', 'text']))).toStrictEqual(unreadFrom(JSON.parse(json)));
      }
    }
  });

  it('refuses what is not JSON, as JSON.parse does', () => {
    const bad = [
      '',
      ' ',
      '{',
      '[1,]',
      '{"a":1,}',
      '{"a" 1}',
      '{a:1}',
      '"x',
      '"\\"',
      '[1 2]',
      'tru',
      '01',
      '1.',
      '"\\x"',
      '"a\nb"',
      '{} {}',
      "'a'",
    ];
    for (const text of bad) {
      expect(() => JSON.parse(text), text).toThrow(SyntaxError);
      expect(() => parseBody(Buffer.from(text)), text).toThrow(SyntaxError);
    }
    // A string left unread must still end.
    expect(() => parseBody(Buffer.from('{"html":"<p>\\"}'), new Set(['html']))).toThrow(SyntaxError);
  });
});
