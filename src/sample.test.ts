import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { previewProps, sampleIssue } from './sample.ts';

it("the preview server's props are the sample catalog's latest week as the pipeline builds it (npm run fixtures)", async () => {
  const issue = await sampleIssue();
  expect(issue.week).toBe('2026-W46');
  expect(JSON.parse(await readFile('emails/fixtures/sample-issue.json', 'utf8'))).toEqual(issue);
  expect(JSON.parse(await readFile('emails/fixtures/preview-props.json', 'utf8'))).toEqual(previewProps(issue));
});
