import { randomBytes } from 'node:crypto';
import { ConfigError } from './errors.ts';
import { assertTimeZone } from './digest/week.ts';
import type { SenderSettings } from './mail.ts';

/** Every setting, resolved once: defaults, then the environment, then flags. */
export interface Config {
  dataDir: string;
  subscribersFile: string;
  stateDir: string;
  timezone: string;
  /** Present when RESEND_API_KEY is set: mail goes through Resend instead of the local outbox. */
  resendApiKey: string | null;
  from: string;
  publicUrl: string;
  /** DIGEST_SECRET; without it, a key made at random for this run, which nothing else can check (fine for the local outbox). */
  secret: string;
  /** DIGEST_SECRET is not set: `secret` is this run's random key, so `serve` must not start. */
  secretIsEphemeral: boolean;
  webhookSecret: string | null;
  postalAddress: string | null;
  /** Settings that fell back to a default a real send should not use, for a warning. */
  warnings: string[];
}

/** The flags every command takes; each overrides its environment variable. */
export interface CommonFlags {
  data?: string;
  subscribers?: string;
  state?: string;
  tz?: string;
}

export const DEFAULT_PUBLIC_URL = 'http://localhost:8787';
const DEV_FROM = 'Weekly AI Tool Verdicts <verdicts@localhost>';

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

export function resolveConfig(flags: CommonFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const timezone = nonEmpty(flags.tz) ?? nonEmpty(env.DIGEST_TIMEZONE) ?? 'UTC';
  try {
    assertTimeZone(timezone);
  } catch {
    throw new ConfigError(`${flags.tz ? '--tz' : 'DIGEST_TIMEZONE'} "${timezone}" is not an IANA time zone such as Europe/Paris or America/New_York.`);
  }
  const resendApiKey = nonEmpty(env.RESEND_API_KEY) ?? null;
  const from = nonEmpty(env.DIGEST_FROM);
  const secret = nonEmpty(env.DIGEST_SECRET);
  if (resendApiKey && !from) throw new ConfigError('DIGEST_FROM is not set; sending through Resend needs a sender such as "Weekly AI Tool Verdicts <verdicts@example.com>".');
  if (resendApiKey && !secret) throw new ConfigError('DIGEST_SECRET is not set; sending through Resend needs it to sign the unsubscribe and preference links.');
  const publicUrl = (nonEmpty(env.DIGEST_PUBLIC_URL) ?? DEFAULT_PUBLIC_URL).replace(/\/+$/, '');
  if (!URL.canParse(publicUrl) || !/^https?:$/.test(new URL(publicUrl).protocol)) {
    throw new ConfigError(`DIGEST_PUBLIC_URL "${publicUrl}" is not an absolute http: or https: URL.`);
  }
  const postalAddress = nonEmpty(env.DIGEST_POSTAL_ADDRESS) ?? null;
  const warnings: string[] = [];
  if (resendApiKey && publicUrl === DEFAULT_PUBLIC_URL) warnings.push(`DIGEST_PUBLIC_URL is not set, so links in the email point at ${DEFAULT_PUBLIC_URL}; set it to where \`serve\` is reachable.`);
  if (resendApiKey && !postalAddress) warnings.push('DIGEST_POSTAL_ADDRESS is not set; the law requires a postal address in bulk mail.');
  return {
    dataDir: nonEmpty(flags.data) ?? 'data',
    subscribersFile: nonEmpty(flags.subscribers) ?? 'subscribers/subscribers.csv',
    stateDir: nonEmpty(flags.state) ?? '.digest',
    timezone,
    resendApiKey,
    from: from ?? DEV_FROM,
    publicUrl,
    secret: secret ?? randomBytes(32).toString('hex'),
    secretIsEphemeral: !secret,
    webhookSecret: nonEmpty(env.RESEND_WEBHOOK_SECRET) ?? null,
    postalAddress,
    warnings,
  };
}

/** The config's part a message needs. */
export function senderSettings(config: Config): SenderSettings {
  return { from: config.from, publicUrl: config.publicUrl, secret: config.secret, postalAddress: config.postalAddress };
}
