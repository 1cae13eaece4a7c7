import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signToken, signVoteToken, verifyToken, verifyVoteToken, type TokenPurpose } from './tokens.ts';

const SECRET = 'test-secret-0123456789';
const EMAIL = 'ana@example.com';
const NOW = new Date('2026-11-17T09:00:00Z');
const PURPOSES: TokenPurpose[] = ['unsubscribe', 'preferences', 'confirm'];

const b64 = (text: string) => Buffer.from(text).toString('base64url');

describe('signToken / verifyToken', () => {
  it.each(PURPOSES)('a %s token verifies to its address', (purpose) => {
    expect(verifyToken(SECRET, purpose, signToken(SECRET, purpose, EMAIL), NOW)).toBe(EMAIL);
  });

  it.each(['ana+news@example.com', 'Ünïcødé@example.com', 'a.b-c_d@sub.example.co.uk'])('round-trips %s', (email) => {
    expect(verifyToken(SECRET, 'unsubscribe', signToken(SECRET, 'unsubscribe', email), NOW)).toBe(email);
  });

  it('is deterministic and URL-safe', () => {
    const token = signToken(SECRET, 'unsubscribe', EMAIL);
    expect(signToken(SECRET, 'unsubscribe', EMAIL)).toBe(token);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  });

  it('differs by address, purpose and secret', () => {
    const token = signToken(SECRET, 'unsubscribe', EMAIL);
    expect(signToken(SECRET, 'unsubscribe', 'bo@example.com')).not.toBe(token);
    expect(signToken(SECRET, 'preferences', EMAIL)).not.toBe(token);
    expect(signToken('other-secret', 'unsubscribe', EMAIL)).not.toBe(token);
  });

  it.each(PURPOSES.flatMap((signed) => PURPOSES.filter((p) => p !== signed).map((checked) => [signed, checked])))(
    'a %s token is refused as %s',
    (signed, checked) => {
      expect(verifyToken(SECRET, checked as TokenPurpose, signToken(SECRET, signed as TokenPurpose, EMAIL), NOW)).toBeNull();
    },
  );

  it('is refused under another secret', () => {
    expect(verifyToken('other-secret', 'unsubscribe', signToken(SECRET, 'unsubscribe', EMAIL), NOW)).toBeNull();
  });

  describe('altered tokens are refused', () => {
    const token = signToken(SECRET, 'unsubscribe', EMAIL);
    const [payload, signature] = token.split('.') as [string, string];
    const flip = (text: string, i: number) => text.slice(0, i) + (text[i] === 'A' ? 'B' : 'A') + text.slice(i + 1);

    it.each([
      ['another address in the payload', `${b64(JSON.stringify({ p: 'unsubscribe', e: 'bo@example.com' }))}.${signature}`],
      ['another purpose in the payload', `${b64(JSON.stringify({ p: 'preferences', e: EMAIL }))}.${signature}`],
      ['a changed payload character', `${flip(payload, 3)}.${signature}`],
      ['a changed first signature character', `${payload}.${flip(signature, 0)}`],
      ['a changed middle signature character', `${payload}.${flip(signature, 20)}`],
      ['a truncated signature', `${payload}.${signature.slice(0, -4)}`],
      ['a doubled signature', `${payload}.${signature}${signature}`],
      ['no signature', `${payload}.`],
      ['no payload', `.${signature}`],
      ['an extra part', `${token}.extra`],
      ['the parts swapped', `${signature}.${payload}`],
    ])('%s', (_, altered) => {
      expect(verifyToken(SECRET, 'unsubscribe', altered, NOW)).toBeNull();
    });
  });

  it.each([
    ['empty', ''],
    ['one dot', '.'],
    ['no dot', 'abcdef'],
    ['many dots', 'a.b.c.d'],
    ['spaces', 'not a token'],
    ['non-base64 characters', '%%%.$$$'],
    ['unicode', 'ünï.cødé'],
    ['very long', `${'a'.repeat(10_000)}.${'b'.repeat(10_000)}`],
  ])('refuses garbage without throwing: %s', (_, garbage) => {
    expect(() => verifyToken(SECRET, 'unsubscribe', garbage, NOW)).not.toThrow();
    expect(verifyToken(SECRET, 'unsubscribe', garbage, NOW)).toBeNull();
  });

  it('refuses a correctly signed payload that is not JSON claims, without throwing', () => {
    for (const body of [
      'not json',
      '[]',
      '{"p":"unsubscribe"}',
      '{"p":"unsubscribe","e":"a@b.c","extra":1}',
      '{"p":"delete","e":"a@b.c"}',
    ]) {
      const payload = b64(body);
      const token = `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
      expect(verifyToken(SECRET, 'unsubscribe', token, NOW), body).toBeNull();
    }
  });

  describe('expiry', () => {
    const expires = new Date('2026-11-20T00:00:00Z');
    const token = signToken(SECRET, 'confirm', EMAIL, expires);

    it.each([
      ['long before', '2026-11-17T00:00:00Z', EMAIL],
      ['a second before', '2026-11-19T23:59:59Z', EMAIL],
      ['a second after', '2026-11-20T00:00:01Z', null],
      ['a year after', '2027-11-20T00:00:00Z', null],
    ])('a confirm token checked %s it expires', (_, now, expected) => {
      expect(verifyToken(SECRET, 'confirm', token, new Date(now))).toBe(expected);
    });

    it('an unsubscribe token without expiry keeps working years later', () => {
      const unsubscribe = signToken(SECRET, 'unsubscribe', EMAIL);
      expect(verifyToken(SECRET, 'unsubscribe', unsubscribe, new Date('2036-01-01T00:00:00Z'))).toBe(EMAIL);
    });

    it('the expiry cannot be removed or extended without the secret', () => {
      const [, signature] = token.split('.') as [string, string];
      expect(
        verifyToken(SECRET, 'confirm', `${b64(JSON.stringify({ p: 'confirm', e: EMAIL }))}.${signature}`, new Date('2027-01-01T00:00:00Z')),
      ).toBeNull();
      expect(
        verifyToken(
          SECRET,
          'confirm',
          `${b64(JSON.stringify({ p: 'confirm', e: EMAIL, x: 4_000_000_000 }))}.${signature}`,
          new Date('2027-01-01T00:00:00Z'),
        ),
      ).toBeNull();
    });
  });
});

describe('vote tokens', () => {
  const vote = { email: EMAIL, week: '2026-W46', slug: 'smollm3', choice: 'ship' } as const;

  it('verify to the reader, issue, tool and choice they were signed for', () => {
    expect(verifyVoteToken(SECRET, signVoteToken(SECRET, vote))).toEqual(vote);
    expect(signVoteToken(SECRET, { ...vote, choice: 'skip' })).not.toBe(signVoteToken(SECRET, vote));
  });

  it('refuse another secret, an altered payload and other purposes', () => {
    expect(verifyVoteToken('other-secret', signVoteToken(SECRET, vote))).toBeNull();
    const [, signature] = signVoteToken(SECRET, vote).split('.');
    expect(
      verifyVoteToken(SECRET, `${b64(JSON.stringify({ p: 'vote', e: EMAIL, w: '2026-W46', t: 'smollm3', c: 'skip' }))}.${signature}`),
    ).toBeNull();
    expect(verifyVoteToken(SECRET, signToken(SECRET, 'unsubscribe', EMAIL))).toBeNull();
  });
});

describe('only the canonical encoding is accepted', () => {
  const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  /** The last character with its spare low bits changed: the same bytes to a lenient decoder. */
  const spareBits = (text: string) => text.slice(0, -1) + ALPHABET[ALPHABET.indexOf(text.at(-1)!) ^ 1];
  const insert = (text: string, what: string) => `${text.slice(0, 10)}${what}${text.slice(10)}`;
  const signedWith = (payload: string) => `${payload}.${createHmac('sha256', SECRET).update(payload).digest('base64url')}`;
  // A reader whose signature has both URL-safe characters (each is swapped for its standard-alphabet twin) and whose
  // payload is not a multiple of 3 bytes (so its last character has spare bits).
  const votes = Array.from(
    { length: 200 },
    (_, i) => ({ email: `reader${i}@example.com`, week: '2026-W46', slug: 'smollm3', choice: 'ship' }) as const,
  );
  const vote = votes.find((v) => {
    const [payload, signature] = signVoteToken(SECRET, v).split('.') as [string, string];
    return /-.*_|_.*-/.test(signature) && Buffer.from(payload, 'base64url').length % 3 !== 0;
  })!;
  const genuine = signVoteToken(SECRET, vote);
  const [payload, signature] = genuine.split('.') as [string, string];

  it('the genuine token is accepted, and the spare-bit variants decode to the same bytes', () => {
    expect(verifyVoteToken(SECRET, genuine)).toEqual(vote);
    expect(Buffer.from(spareBits(signature), 'base64url')).toEqual(Buffer.from(signature, 'base64url'));
    expect(Buffer.from(spareBits(payload), 'base64url')).toEqual(Buffer.from(payload, 'base64url'));
  });

  it.each([
    ['an extra = on the signature', `${payload}.${signature}=`],
    ['two extra = on the signature', `${payload}.${signature}==`],
    ['+ for - in the signature', `${payload}.${signature.replaceAll('-', '+')}`],
    ['/ for _ in the signature', `${payload}.${signature.replaceAll('_', '/')}`],
    ['an inserted ! in the signature', `${payload}.${insert(signature, '!')}`],
    ['an inserted space in the signature', `${payload}.${insert(signature, ' ')}`],
    ['spare bits set in the signature', `${payload}.${spareBits(signature)}`],
    ['an extra = on the payload', `${payload}=.${signature}`],
    ['an inserted ! in the payload', `${insert(payload, '!')}.${signature}`],
    ['spare bits set in the payload', `${spareBits(payload)}.${signature}`],
    ['a correctly signed payload with an extra =', signedWith(`${payload}=`)],
    ['a correctly signed payload with an inserted !', signedWith(insert(payload, '!'))],
    ['a correctly signed payload with spare bits set', signedWith(spareBits(payload))],
  ])('%s is refused', (_, altered) => {
    expect(altered).not.toBe(genuine);
    expect(verifyVoteToken(SECRET, altered)).toBeNull();
  });

  it.each([
    ['an extra = on the signature', (t: string) => `${t}=`],
    ['an inserted ! in the signature', (t: string) => t.replace('.', '.!')],
    ['spare bits set in the signature', spareBits],
  ])('%s is refused on an unsubscribe token too', (_, alter) => {
    const token = signToken(SECRET, 'unsubscribe', EMAIL);
    expect(verifyToken(SECRET, 'unsubscribe', token, NOW)).toBe(EMAIL);
    expect(verifyToken(SECRET, 'unsubscribe', alter(token), NOW)).toBeNull();
  });
});
