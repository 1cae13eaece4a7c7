import path from 'node:path';
import { loadCatalog } from '../catalog/load.ts';
import { resolveConfig } from '../config.ts';
import { latestWeek } from '../sample.ts';
import { writePreview } from '../delivery/preview.ts';
import { sendWeek, succeeded } from '../delivery/run.ts';
import { outboxDir } from '../delivery/transport-for.ts';
import { EVERY_CATEGORY_READER } from '../mail.ts';
import { now } from './common.ts';
import { printingHooks, sendLines } from './report.ts';

const SAMPLE_STATE = path.join('.digest', 'sample');

/** `npm start`: the whole job once, on the bundled sample catalog and subscribers, into the local outbox. */
async function start(): Promise<number> {
  // The sample run never mails anyone, whatever the shell exports.
  const env = { ...process.env, RESEND_API_KEY: '' };
  // Its own state folder: the sample week it sends is frozen there, not in .digest/, so the editor's steps in the
  // README (build, preview of that week) still see their edits after a first `npm start`.
  const config = resolveConfig({ subscribers: 'subscribers/example.csv', state: SAMPLE_STATE }, env);
  const catalog = await loadCatalog(config.dataDir);
  const latest = latestWeek(catalog, config.timezone);
  if (!latest) {
    console.log(`The catalog in ${config.dataDir}/tools is empty; there is nothing to build.`);
    return 1;
  }
  console.log(`Running the weekly job on the sample catalog's latest week, ${latest}, for ${config.subscribersFile}.\n`);
  const hooks = printingHooks();
  const outcome = await sendWeek(config, { week: latest, now: now() }, hooks);
  hooks.finish();
  for (const line of sendLines(outcome)) console.log(line);
  const preview = await writePreview(config, { week: latest, reader: EVERY_CATEGORY_READER, now: now() });
  console.log(`\nMessages, one .eml per reader (open them in any mail client): ${path.resolve(outboxDir(config, latest))}`);
  if (preview.message)
    console.log(`Preview for a reader of every category: ${path.resolve(preview.html)} and ${path.resolve(preview.text)}`);
  console.log(`Frozen issue: ${path.resolve(preview.prepared.frozenAt)}`);
  console.log('Next: `npm run digest -- --help` for every command; README.md for sending through Resend.');
  return succeeded(outcome) ? 0 : 1;
}

process.exitCode = await start().catch(async (error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  return 1;
});
