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

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest();
}

/** A token bound to one address and one purpose. Deterministic, so a re-rendered email is byte-identical. */
export function signToken(secret: string, purpose: TokenPurpose, email: string, expiresAt?: Date): string {
  const claims = { p: purpose, e: email, ...(expiresAt ? { x: Math.floor(expiresAt.getTime() / 1000) } : {}) };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The address a token was issued to, or null when it is forged, altered, for another purpose or expired. */
export function verifyToken(secret: string, purpose: TokenPurpose, token: string, now: Date): string | null {
  return readClaims(secret, purpose, token, now)?.e ?? null;
}

/** A confirmation link's token: the address, when it was issued and when it stops working. */
export function signConfirmToken(secret: string, email: string, issuedAt: Date, expiresAt: Date): string {
  const claims = { p: 'confirm', e: email, x: Math.floor(expiresAt.getTime() / 1000), i: issuedAt.getTime() };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The address and issue time of a confirmation token, or null when it is forged, altered, expired or carries no issue time. */
export function verifyConfirmToken(secret: string, token: string, now: Date): { email: string; issuedAt: Date } | null {
  const claims = readClaims(secret, 'confirm', token, now);
  return claims?.i === undefined || claims.x === undefined ? null : { email: claims.e, issuedAt: new Date(claims.i) };
}

function readClaims(secret: string, purpose: TokenPurpose, token: string, now: Date): z.infer<typeof Claims> | null {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return null;
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let claims: z.infer<typeof Claims>;
  try {
    claims = Claims.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
  } catch {
    return null;
  }
  if (claims.p !== purpose) return null;
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
  const claims = { p: 'vote', e: vote.email, w: vote.week, t: vote.slug, c: vote.choice };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

/** The vote a token stands for, or null when it is forged or altered. */
export function verifyVoteToken(secret: string, token: string): Vote | null {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return null;
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  const claims = VoteClaims.safeParse(safeJson(Buffer.from(payload, 'base64url').toString('utf8')));
  if (!claims.success) return null;
  return { email: claims.data.e, week: claims.data.w, slug: claims.data.t, choice: claims.data.c };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
