import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { z } from 'zod';
import { UserError } from './errors.ts';
import { assertTimeZone } from './digest/week.ts';
import { NEWSLETTER } from './digest/wording.ts';
import type { SenderSettings } from './mail.ts';

/** Every setting, resolved once: defaults, then the environment, then flags. */
export interface Config {
  dataDir: string;
  subscribersFile: string;
  /** `--subscribers` was given: with a database there is no list file to read. */
  subscribersFlag: boolean;
  stateDir: string;
  /** The PostgreSQL URL of the state (`--database`, else DATABASE_URL); null: files in `stateDir`. */
  databaseUrl: string | null;
  /** Where `databaseUrl` came from, for sentences about it. */
  databaseSource: '--database' | 'DATABASE_URL';
  timezone: string;
  /** Present when RESEND_API_KEY is set: mail goes through Resend instead of the local outbox. */
  resendApiKey: string | null;
  /** Where Resend's API answers (RESEND_BASE_URL, for a test double or a proxy); its real address by default. */
  resendBaseUrl: string;
  from: string;
  publicUrl: string;
  /** DIGEST_SECRET; without it, a key made at random for this run, which nothing else can check (fine for the local outbox). */
  secret: string;
  /** DIGEST_SECRET is not set: `secret` is this run's random key, so `serve` must not start. */
  secretIsEphemeral: boolean;
  webhookSecret: string | null;
  postalAddress: string | null;
  /** Reverse proxies in front of `serve` whose X-Forwarded-For is trusted (DIGEST_TRUST_PROXY); 0: none. */
  trustProxyHops: number;
}

/** The flags every command takes; each overrides its environment variable. */
export interface CommonFlags {
  data?: string;
  subscribers?: string;
  state?: string;
  database?: string;
  tz?: string;
}

export const DEFAULT_PUBLIC_URL = 'http://localhost:8787';
const DEV_FROM = `${NEWSLETTER} <verdicts@localhost>`;

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * How many reverse proxies in front of `serve` to trust, from DIGEST_TRUST_PROXY: unset, empty, "0" or "false" is
 * none; "true", "yes" or "1" one; a number N that many (a CDN in front of nginx is 2).
 */
export function trustedProxyHops(value: string | undefined): number {
  const v = value?.trim().toLowerCase() ?? '';
  if (v === '' || v === '0' || v === 'false' || v === 'no') return 0;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : 1;
}

export function resolveConfig(flags: CommonFlags, env: NodeJS.ProcessEnv): Config {
  const timezone = nonEmpty(flags.tz) ?? nonEmpty(env.DIGEST_TIMEZONE) ?? 'UTC';
  try {
    assertTimeZone(timezone);
  } catch {
    throw new UserError(
      `${flags.tz ? '--tz' : 'DIGEST_TIMEZONE'} "${timezone}" is not an IANA time zone such as Europe/Paris or America/New_York.`,
    );
  }
  const resendApiKey = nonEmpty(env.RESEND_API_KEY) ?? null;
  const from = nonEmpty(env.DIGEST_FROM);
  const secret = nonEmpty(env.DIGEST_SECRET);
  if (secret !== undefined && !isStrongSecret(secret)) {
    throw new UserError(
      'DIGEST_SECRET is too weak to sign links (anyone holding one link could guess it and forge an unsubscribe for another reader); use at least 32 random characters, for example: export DIGEST_SECRET=$(openssl rand -base64 32)',
    );
  }
  const postalAddress = nonEmpty(env.DIGEST_POSTAL_ADDRESS) ?? null;
  const publicUrl = (nonEmpty(env.DIGEST_PUBLIC_URL) ?? DEFAULT_PUBLIC_URL).replace(/\/+$/, '');
  if (!URL.canParse(publicUrl) || !/^https?:$/.test(new URL(publicUrl).protocol)) {
    throw new UserError(`DIGEST_PUBLIC_URL "${publicUrl}" is not an absolute http: or https: URL.`);
  }
  // Checked whenever it is set, so the outbox never gets a message without a From header either.
  if (from !== undefined && !isSender(from)) {
    throw new UserError(
      `DIGEST_FROM ${JSON.stringify(from)} is not a sender such as "${NEWSLETTER} <verdicts@example.com>" or verdicts@example.com.`,
    );
  }
  if (resendApiKey) {
    const missing = (name: string, why: string) => new UserError(`${name} is required when RESEND_API_KEY is set: ${why}.`);
    if (!from) throw missing('DIGEST_FROM', `the sender, such as "${NEWSLETTER} <verdicts@example.com>"`);
    if (!secret) throw missing('DIGEST_SECRET', 'it signs the unsubscribe and preference links');
    if (!postalAddress) throw missing('DIGEST_POSTAL_ADDRESS', "the law requires the sender's postal address in bulk mail");
    if (new URL(publicUrl).protocol !== 'https:') {
      throw new UserError(
        `DIGEST_PUBLIC_URL "${publicUrl}" must be an https: URL when RESEND_API_KEY is set: one-click unsubscribe (RFC 8058) needs it.`,
      );
    }
  }
  const dataDir = nonEmpty(flags.data) ?? 'data';
  const stateDir = nonEmpty(flags.state) ?? '.digest';
  assertFolder(dataDir, flags.data ? '--data' : 'The catalog folder');
  assertFolder(stateDir, flags.state ? '--state' : 'The state folder');
  return {
    dataDir,
    subscribersFile: nonEmpty(flags.subscribers) ?? 'subscribers/subscribers.csv',
    subscribersFlag: nonEmpty(flags.subscribers) !== undefined,
    stateDir,
    databaseUrl: nonEmpty(flags.database) ?? nonEmpty(env.DATABASE_URL) ?? null,
    databaseSource: nonEmpty(flags.database) ? '--database' : 'DATABASE_URL',
    timezone,
    resendApiKey,
    resendBaseUrl: nonEmpty(env.RESEND_BASE_URL) ?? 'https://api.resend.com',
    from: from ?? DEV_FROM,
    publicUrl,
    secret: secret ?? randomBytes(32).toString('hex'),
    secretIsEphemeral: !secret,
    webhookSecret: nonEmpty(env.RESEND_WEBHOOK_SECRET) ?? null,
    postalAddress,
    trustProxyHops: trustedProxyHops(env.DIGEST_TRUST_PROXY),
  };
}

/** The config's part a message needs. */
export function senderSettings(config: Config): SenderSettings {
  return { from: config.from, publicUrl: config.publicUrl, secret: config.secret, postalAddress: config.postalAddress };
}

/** Fewest different characters in a secret: 32 characters of one or two kinds ("aaaa...") are not random. */
const MIN_DISTINCT = 10;

/**
 * Strong enough to sign links: at least 32 characters, or base64 that decodes to at least 128 bits
 * (`openssl rand -base64 16`); either way not one character repeated. A weak key falls to an offline guess
 * from one real link, and then every reader's links can be forged.
 */
export function isStrongSecret(secret: string): boolean {
  if (new Set(secret).size < MIN_DISTINCT) return false;
  if (secret.length >= 32) return true;
  // Hex is in base64's alphabet; 32 hex digits (128 bits) are already 32 characters.
  const base64 = /^[A-Za-z0-9+/]+={0,2}$/.test(secret);
  return base64 && Math.floor((secret.replace(/=+$/, '').length * 6) / 8) >= 16;
}

const SENDER = /^(?:(?:"[^"\r\n]*"|[^"<>\r\n]*)\s*<([^<>\s]+)>|([^<>\s"]+))$/;

/** `Name <address>` or a bare address, on one line. */
export function isSender(text: string): boolean {
  const match = SENDER.exec(text);
  const address = match?.[1] ?? match?.[2];
  return address !== undefined && z.email().safeParse(address).success;
}

/** A folder the program reads or writes must not be a file (that would surface later as ENOTDIR). Missing is fine. */
function assertFolder(dir: string, what: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw new UserError(`${what} "${dir}" is a file, not a folder.`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new UserError(`${what} "${dir}" is inside a file, not a folder.`);
    throw error;
  }
}
