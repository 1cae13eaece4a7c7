// Regenerates the preview server's props (emails/fixtures/) from the sample catalog's latest week.
import { writeFile } from 'node:fs/promises';
import { previewProps, sampleIssue } from '../src/sample.ts';

const issue = await sampleIssue();
await writeFile('emails/fixtures/sample-issue.json', `${JSON.stringify(issue, null, 2)}\n`);
await writeFile('emails/fixtures/preview-props.json', `${JSON.stringify(previewProps(issue), null, 2)}\n`);
console.log(`Wrote emails/fixtures/ from the sample catalog's ${issue.week}.`);
