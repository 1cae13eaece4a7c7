/**
 * Resend's webhook signing (Svix) for tests: a secret as Resend shows it, and a request signed with it as Resend
 * sends one. src/server/webhooks.ts checks it, and its test holds it to what the Resend SDK accepts.
 */
import { createHmac } from 'node:crypto';

/** The key every test signs with, and its secret as RESEND_WEBHOOK_SECRET takes it. */
export const WEBHOOK_KEY = Buffer.from('a webhook signing key of 32 byte');
export const WEBHOOK_SECRET = webhookSecret(WEBHOOK_KEY);

export function webhookSecret(key: Buffer): string {
  return `whsec_${key.toString('base64')}`;
}

/** The `v1,...` signature of `body` for message `id` at `timestamp` (seconds since the epoch). */
export function svixSignature(key: Buffer, id: string, timestamp: string, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** A POST of `body` as Resend sends it: JSON, signed now with `key`. */
export function signedPost(body: string, id: string, key = WEBHOOK_KEY): RequestInit {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers = { 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': svixSignature(key, id, timestamp, body) };
  return { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } };
}
