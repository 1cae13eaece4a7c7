import { defineCommand } from 'citty';
import { readerFor, writePreview } from '../delivery/preview.ts';
import { frozenNotice, latestWeekHint } from './notices.ts';
import { commonArgs, configFrom, now, print, strictFlags, weekArg, openRunState } from './common.ts';
import { issueLines, previewLines } from './report.ts';

export default defineCommand({
  meta: { name: 'preview', description: 'Write the digest as .html and .txt, as a subscriber would get it' },
  args: {
    ...commonArgs,
    ...weekArg,
    out: { type: 'string', description: 'folder for the files (default: <state>/preview)' },
    as: { type: 'string', description: 'preview as this subscriber (default: a reader of every category)' },
  },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const state = await openRunState(config);
    const reader = await readerFor(config, state, args.as);
    if (reader.status !== undefined && reader.status !== 'active') {
      print(`${reader.email}: this reader gets no email: ${reader.status}.`);
      return;
    }
    const preview = await writePreview(config, state, { week: args.week, out: args.out, reader, now: now() });
    const frozen = await frozenNotice(config, state, preview.prepared);
    const hint = await latestWeekHint(config, preview.prepared, args.week !== undefined);
    for (const line of [frozen, ...issueLines(preview.prepared), hint, ...previewLines(config, preview)]) if (line) print(line);
  },
});
