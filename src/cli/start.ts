import path from 'node:path';
import { defineCommand } from 'citty';
import { loadCatalog } from '../catalog/load.ts';
import { DEFAULT_PUBLIC_URL, resolveConfig } from '../config.ts';
import { UserError } from '../errors.ts';
import { latestWeek, sampleSecret } from '../sample.ts';
import { writePreview } from '../delivery/preview.ts';
import { sendWeek, succeeded } from '../delivery/send-week.ts';
import { outboxDir } from '../delivery/transport-for.ts';
import { EVERY_CATEGORY_READER } from '../mail.ts';
import { now, print, openRunState } from './common.ts';
import { type CliIo, currentIo, setExitStatus } from './io.ts';
import { printingHooks, sendLines } from './report.ts';

// Its own state folder: the sample week it sends is frozen there, not in .digest/, so the editor's steps in the
// README (build, preview of that week) still see their edits after a first `npm start`.
const SAMPLE_STATE = path.join('.digest', 'sample');
const SAMPLE_LIST = 'subscribers/example.csv';

/**
 * The sample's settings, whatever the shell exports: it never mails anyone nor touches a database, and its links are signed with its own
 * key and point at DEFAULT_PUBLIC_URL, where `npm start -- serve` answers them.
 */
async function sampleEnv(): Promise<NodeJS.ProcessEnv> {
  return {
    ...currentIo().env,
    RESEND_API_KEY: '',
    DATABASE_URL: '',
    DIGEST_SECRET: await sampleSecret(SAMPLE_STATE),
    DIGEST_PUBLIC_URL: DEFAULT_PUBLIC_URL,
  };
}

/** `npm start`: the whole job once, on the bundled sample catalog and subscribers, into the local outbox. */
async function runSample(): Promise<number> {
  const config = resolveConfig({ subscribers: SAMPLE_LIST, state: SAMPLE_STATE }, await sampleEnv());
  const state = await openRunState(config);
  const catalog = await loadCatalog(config.dataDir);
  const latest = latestWeek(catalog, config.timezone);
  if (!latest) {
    print(`The catalog in ${config.dataDir}/tools is empty; there is nothing to build.`);
    return 1;
  }
  print(`Running the weekly job on the sample catalog's latest week, ${latest}, for ${config.subscribersFile}.\n`);
  const hooks = printingHooks();
  const outcome = await sendWeek(config, state, { week: latest, now: now() }, hooks);
  hooks.finish();
  for (const line of sendLines(outcome)) print(line);
  const preview = await writePreview(config, state, { week: latest, reader: EVERY_CATEGORY_READER, now: now() });
  print(`\nMessages, one .eml per reader (open them in any mail client): ${path.resolve(outboxDir(state, latest))}`);
  if (preview.message) print(`Preview for a reader of every category: ${path.resolve(preview.html)} and ${path.resolve(preview.text)}`);
  print(`Frozen issue: ${path.resolve(preview.prepared.frozenAt)}`);
  print(`\nTheir links (view in browser, votes, unsubscribe, preferences) work once \`npm start -- serve\` serves ${config.publicUrl}.`);
  print('Next: `npm run digest -- --help` for every command; README.md for sending through Resend.');
  return succeeded(outcome) ? 0 : 1;
}

/** `npm start -- serve [--host H] [--port N]`: the pages the sample's links point at, for its list and state. */
async function serveSample(args: string[], runCli: RunCli): Promise<number> {
  return runCli(['serve', '--subscribers', SAMPLE_LIST, '--state', SAMPLE_STATE, ...args], { ...currentIo(), env: await sampleEnv() });
}

/** Runs a command line as main.ts does, returning its exit status. */
type RunCli = (rawArgs: string[], io: CliIo) => Promise<number>;

/** `npm start` (`main.ts start`, left out of the help); `runCli` serves the sample's pages as `serve` would. */
export function startCommand(runCli: RunCli) {
  return defineCommand({
    meta: { name: 'start', description: 'Run the weekly job once on the sample, or serve its pages (npm start)', hidden: true },
    async run({ rawArgs }) {
      if (rawArgs.length === 0) setExitStatus(await runSample());
      else if (rawArgs[0] === 'serve') setExitStatus(await serveSample(rawArgs.slice(1), runCli));
      else throw new UserError(`npm start takes no arguments, or serve [--host H] [--port N]; got ${JSON.stringify(rawArgs[0])}.`, 2);
    },
  });
}
