import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, sampleWorkspace } from '../../test/helpers/cli.ts';
import { type Config, resolveConfig } from '../config.ts';
import { openFiles } from '../state/open.ts';
import { assertSameSettings, differingSettings, settingsFingerprint } from './fingerprint.ts';
import { sendWeek } from './send-week.ts';

afterAll(cleanup);

const SECRET = 'a-test-secret-that-is-long-enough-1234';
const settings = {
  from: 'Verdicts <verdicts@example.com>',
  publicUrl: 'https://verdicts.example.com',
  secret: SECRET,
  secretIsEphemeral: false,
  postalAddress: '1 Example Street',
};

const files = (config: Config) => openFiles(config.stateDir, config.subscribersFile);

describe('settingsFingerprint', () => {
  const fingerprint = settingsFingerprint(settings);

  it('keeps a hash per setting, never a value', () => {
    expect(Object.keys(fingerprint)).toEqual(['from', 'publicUrl', 'secret', 'postalAddress']);
    expect(JSON.stringify(fingerprint)).not.toContain(SECRET);
    expect(JSON.stringify(fingerprint)).not.toContain('verdicts');
    expect(settingsFingerprint({ ...settings })).toEqual(fingerprint);
  });

  it.each([
    ['from', { from: 'Other <other@example.com>' }, ['DIGEST_FROM']],
    ['publicUrl', { publicUrl: 'https://other.example.com' }, ['DIGEST_PUBLIC_URL']],
    ['secret', { secret: `${SECRET}5` }, ['DIGEST_SECRET']],
    ['postalAddress', { postalAddress: null }, ['DIGEST_POSTAL_ADDRESS']],
    ['two', { from: 'Other <other@example.com>', secret: `${SECRET}5` }, ['DIGEST_FROM', 'DIGEST_SECRET']],
    ['a key made up now, after a real one', { secretIsEphemeral: true }, ['DIGEST_SECRET']],
  ] as const)('names what differs: %s', (_, change, names) => {
    expect(differingSettings(fingerprint, settingsFingerprint({ ...settings, ...change }))).toEqual(names);
  });

  it('does not compare a key made up when the send started: a resume without DIGEST_SECRET in development goes on', () => {
    const made = (secret: string) => settingsFingerprint({ ...settings, secret, secretIsEphemeral: true });
    expect(made('one random key').secret).toBeNull();
    expect(differingSettings(made('one random key'), made('another random key'))).toEqual([]);
    expect(differingSettings(made('one random key'), fingerprint)).toEqual([]);
  });

  it('refuses in one sentence naming the settings, and lets a ledger that kept no fingerprint resume', () => {
    const start = { state: 'started' as const, at: new Date(), sha256: 'abc', issue: {} as never, settings: fingerprint };
    const now = settingsFingerprint({ ...settings, from: 'Other <other@example.com>', publicUrl: 'https://other.example.com' });
    expect(() => assertSameSettings('2026-W46', start, now)).toThrow(
      'The send of 2026-W46 started with another DIGEST_FROM and DIGEST_PUBLIC_URL than this run has, so it is not resumed: every host that sends must share DIGEST_FROM, DIGEST_PUBLIC_URL, DIGEST_SECRET, DIGEST_POSTAL_ADDRESS; set them as when the send started and run it again.',
    );
    expect(() => assertSameSettings('2026-W46', { ...start, settings: undefined }, now)).not.toThrow();
    expect(() => assertSameSettings('2026-W46', null, now)).not.toThrow();
  });
});

describe('a resumed send', () => {
  const WEEK = '2026-W46';
  const readers = ['ada@example.com', 'bo@example.com'];
  const env = { DIGEST_SECRET: SECRET, DIGEST_FROM: settings.from, DIGEST_PUBLIC_URL: settings.publicUrl };
  /** A send that plans and records its start, then stops before its first batch. */
  const stopped = { week: WEEK, now: new Date(), shouldStop: () => true };

  it('refuses before sending anything when a setting differs from the one the send started with', async () => {
    const ws = sampleWorkspace(['email', ...readers]);
    const config = (more: Record<string, string>) => resolveConfig(ws, { ...env, ...more });
    expect(await sendWeek(config({}), files(config({})), stopped)).toMatchObject({ report: { stoppedEarly: 'interrupted' } });
    const ledger = files(config({})).ledger(WEEK);
    const planned = await ledger.length();
    const other = config({ DIGEST_FROM: 'Other <other@example.com>' });
    await expect(sendWeek(other, files(other), { week: WEEK, now: new Date() })).rejects.toThrow(
      `The send of ${WEEK} started with another DIGEST_FROM than this run has, so it is not resumed`,
    );
    const outbox = path.join(ws.state, 'outbox', WEEK);
    expect([existsSync(outbox), await ledger.length()]).toEqual([false, planned]);
    expect(await sendWeek(config({}), files(config({})), { week: WEEK, now: new Date() })).toMatchObject({ report: { sent: 2 } });
    expect(readdirSync(outbox)).toHaveLength(2);
  });

  it('goes on without DIGEST_SECRET, though each run makes up its own key', async () => {
    const ws = sampleWorkspace(['email', ...readers]);
    const config = () => resolveConfig(ws, {});
    await sendWeek(config(), files(config()), stopped);
    expect(await sendWeek(config(), files(config()), { week: WEEK, now: new Date() })).toMatchObject({ report: { sent: 2 } });
  });
});
