// Regenerates the preview server's props (emails/_fixtures/) from the sample catalog: its latest week's digest, the
// confirmation email a preview reader would get, and one tool per panel label for the PanelBadge preview.
import { writeFile } from 'node:fs/promises';
import { loadCatalog } from '../src/catalog/load.ts';
import { confirmPreviewProps, panelSamples, previewProps, sampleIssue } from '../src/sample.ts';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
const issue = await sampleIssue();
await writeFile('emails/_fixtures/sample-issue.json', json(issue));
await writeFile('emails/_fixtures/preview-props.json', json(previewProps(issue)));
await writeFile('emails/_fixtures/confirm-props.json', json(confirmPreviewProps(issue)));
await writeFile('emails/_fixtures/panel-samples.json', json(panelSamples(await loadCatalog('data'))));
console.log(`Wrote emails/_fixtures/ from the sample catalog's ${issue.week}.`);
