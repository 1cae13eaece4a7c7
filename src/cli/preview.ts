import { defineCommand } from 'citty';
import { readerFor, writePreview } from '../delivery/preview.ts';
import { commonArgs, configFrom, now, strictFlags, weekArg } from './common.ts';
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
    const reader = await readerFor(config, args.as);
    const preview = await writePreview(config, { week: args.week, out: args.out, reader, now: now() });
    for (const line of [...issueLines(preview.prepared), ...previewLines(config, preview)]) console.log(line);
  },
});
