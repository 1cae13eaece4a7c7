import { createHash } from 'node:crypto';
import type { Config } from '../config.ts';
import { UserError } from '../errors.ts';
import type { StartRecord } from '../state/ledger.ts';
import type { SettingsFingerprint } from '../state/submission.ts';

/** Each setting that shapes a message, by the variable that sets it. */
const VARIABLES: Record<keyof SettingsFingerprint, string> = {
  from: 'DIGEST_FROM',
  publicUrl: 'DIGEST_PUBLIC_URL',
  secret: 'DIGEST_SECRET',
  postalAddress: 'DIGEST_POSTAL_ADDRESS',
};

const hash = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 16);

/** The fingerprint a send's start record keeps: a hash per setting, so a later run can name the one that differs. */
export function settingsFingerprint(
  config: Pick<Config, 'from' | 'publicUrl' | 'secret' | 'secretIsEphemeral' | 'postalAddress'>,
): SettingsFingerprint {
  return {
    from: hash(config.from),
    publicUrl: hash(config.publicUrl),
    // A key made up for one run is never the next run's: recorded as none, so a resume in development is not refused for it.
    secret: config.secretIsEphemeral ? null : hash(config.secret),
    postalAddress: hash(config.postalAddress ?? ''),
  };
}

/** The variables whose setting differs from the one the send started with; a key made up when it started is not compared. */
export function differingSettings(started: SettingsFingerprint, now: SettingsFingerprint): string[] {
  const names = Object.keys(VARIABLES) as (keyof SettingsFingerprint)[];
  return names
    .filter((name) => !(name === 'secret' && started.secret === null) && started[name] !== now[name])
    .map((name) => VARIABLES[name]);
}

/**
 * Refuses to go on with a send that started with other settings (another host, or a changed environment): the rest of
 * its readers would get other links, another sender, and batches Resend refuses as other content under the same key.
 */
export function assertSameSettings(week: string, start: StartRecord | null, now: SettingsFingerprint): void {
  if (!start?.settings) return;
  const differ = differingSettings(start.settings, now);
  if (differ.length === 0) return;
  const named = differ.length === 1 ? (differ[0] ?? '') : `${differ.slice(0, -1).join(', ')} and ${differ.at(-1)}`;
  throw new UserError(
    `The send of ${week} started with another ${named} than this run has, so it is not resumed: every host that sends must share ${Object.values(VARIABLES).join(', ')}; set ${differ.length === 1 ? 'it' : 'them'} as when the send started and run it again.`,
  );
}
