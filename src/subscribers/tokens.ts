import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

export const TokenPurpose = z.enum(['unsubscribe', 'preferences', 'confirm']);
export type TokenPurpose = z.infer<typeof TokenPurpose>;

const Claims = z.strictObject({
  p: TokenPurpose,
  e: z.string(),
  /** Expiry, seconds since the epoch; absent: never expires (unsubscribe links must keep working). */
  x: z.int().optional(),
  /** Issued at, milliseconds since the epoch: a confirmation link issued before the address's latest opt-out is worthless. */
  i: z.int().optional(),
});

// The secret's bytes, made once and not for each HMAC (a fifth of its cost): a send signs 26 links a reader.
let key = { secret: '', bytes: Buffer.alloc(0) };
const macOf = (secret: string, payload: string) => {
  if (key.secret !== secret) key = { secret, bytes: Buffer.from(secret) };
  return createHmac('sha256', key.bytes).update(payload).digest('base64url');
};

/** `<payload>.<signature>`: the claims as base64url JSON, and the HMAC-SHA256 of that text in base64url. */
function seal(secret: string, claims: object): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${macOf(secret, payload)}`;
}

/**
 * The JSON a token carries, or null unless its signature is the one canonical base64url text of the MAC and its payload
 * the canonical base64url of its bytes: Node's decoder skips padding, stray characters and spare bits, so comparing
 * decoded bytes would accept many spellings of one signature.
 */
function unseal(secret: string, token: string): unknown {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return null;
  const expected = Buffer.from(macOf(secret, payload));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const bytes = Buffer.from(payload, 'base64url');
  if (bytes.toString('base64url') !== payload) return null;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
}

/** A token bound to one address and one purpose. Deterministic, so a re-rendered email is byte-identical. */
export function signToken(secret: string, purpose: TokenPurpose, email: string, expiresAt?: Date): string {
  return seal(secret, { p: purpose, e: email, ...(expiresAt ? { x: Math.floor(expiresAt.getTime() / 1000) } : {}) });
}

/** The address a token was issued to, or null when it is forged, altered, for another purpose or expired. */
export function verifyToken(secret: string, purpose: TokenPurpose, token: string, now: Date): string | null {
  return readClaims(secret, purpose, token, now)?.e ?? null;
}

/** A confirmation link's token: the address, when it was issued and when it stops working. */
export function signConfirmToken(secret: string, email: string, issuedAt: Date, expiresAt: Date): string {
  return seal(secret, { p: 'confirm', e: email, x: Math.floor(expiresAt.getTime() / 1000), i: issuedAt.getTime() });
}

/** The address and issue time of a confirmation token, or null when it is forged, altered, expired or carries no issue time. */
export function verifyConfirmToken(secret: string, token: string, now: Date): { email: string; issuedAt: Date } | null {
  const claims = readClaims(secret, 'confirm', token, now);
  return claims?.i === undefined || claims.x === undefined ? null : { email: claims.e, issuedAt: new Date(claims.i) };
}

function readClaims(secret: string, purpose: TokenPurpose, token: string, now: Date): z.infer<typeof Claims> | null {
  const claims = Claims.safeParse(unseal(secret, token)).data;
  if (claims?.p !== purpose) return null;
  if (claims.x !== undefined && claims.x * 1000 < now.getTime()) return null;
  return claims;
}

export const VoteChoice = z.enum(['ship', 'skip']);
export type VoteChoice = z.infer<typeof VoteChoice>;

/** What a vote link stands for: one reader's choice on one tool of one issue. */
export const Vote = z.strictObject({ email: z.string(), week: z.string(), slug: z.string(), choice: VoteChoice });
export type Vote = z.infer<typeof Vote>;

const VoteClaims = z.strictObject({ p: z.literal('vote'), e: z.string(), w: z.string(), t: z.string(), c: VoteChoice });

/** A vote link's token, signed for the reader, issue, tool and choice. Deterministic, like the others. */
export function signVoteToken(secret: string, vote: Vote): string {
  return seal(secret, { p: 'vote', e: vote.email, w: vote.week, t: vote.slug, c: vote.choice });
}

/** The vote a token stands for, or null when it is forged or altered. */
export function verifyVoteToken(secret: string, token: string): Vote | null {
  const claims = VoteClaims.safeParse(unseal(secret, token)).data;
  return claims ? { email: claims.e, week: claims.w, slug: claims.t, choice: claims.c } : null;
}
