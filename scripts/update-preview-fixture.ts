// Builds the preview server's props from a catalog: its latest week's digest, the confirmation email a preview reader
// would get, and one tool per panel label for the PanelBadge preview. `npm run fixtures` writes the tracked fixtures
// (emails/_fixtures/) from data/; `npm run dev` writes the live ones (emails/_live/, git-ignored) with --live.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadCatalog } from '../src/catalog/load.ts';
import { confirmPreviewProps, panelSamples, previewProps, sampleIssue } from '../src/sample.ts';

const { values } = parseArgs({ options: { data: { type: 'string', default: 'data' }, live: { type: 'boolean', default: false } } });
const data = values.data;
const out = values.live ? 'emails/_live' : 'emails/_fixtures';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
// A mistake in the catalog is the editor's to fix: one sentence naming the file, not a stack trace.
const issue = await sampleIssue(data).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
await mkdir(out, { recursive: true });
// The digest's props go last: hot reload follows each file, and the digest is the page an editor watches.
if (!values.live) await writeFile(path.join(out, 'sample-issue.json'), json(issue));
await writeFile(path.join(out, 'confirm-props.json'), json(confirmPreviewProps(issue)));
await writeFile(path.join(out, 'panel-samples.json'), json(panelSamples(await loadCatalog(data))));
await writeFile(path.join(out, 'preview-props.json'), json(previewProps(issue)));
console.log(`Wrote ${out}/ from ${data}/ (${issue.week}).`);
