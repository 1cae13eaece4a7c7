import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from './catalog/load.ts';
import { busiestWeek, confirmPreviewProps, latestWeek, panelSamples, previewProps, sampleIssue, sampleSecret } from './sample.ts';

const fixture = async (name: string): Promise<unknown> => JSON.parse(await readFile(`emails/_fixtures/${name}`, 'utf8'));

it("the preview server's props are the sample catalog's latest week as the pipeline builds it (npm run fixtures)", async () => {
  const issue = await sampleIssue();
  expect(issue.week).toBe('2026-W46');
  expect(await fixture('sample-issue.json')).toEqual(issue);
  expect(await fixture('preview-props.json')).toEqual(previewProps(issue));
  expect(await fixture('confirm-props.json')).toEqual(confirmPreviewProps(issue));
  expect(await fixture('panel-samples.json')).toEqual(panelSamples(await loadCatalog('data')));
});

it('the PanelBadge preview has a catalog tool for every panel label', async () => {
  const labels = panelSamples(await loadCatalog('data')).map((s) => s.panel.label);
  expect(labels).toEqual(['Ship', 'Mixed', 'Skip', 'No verdict']);
});

it('the confirmation preview links to /confirm with a token, as the signup flow sends it', async () => {
  const props = confirmPreviewProps(await sampleIssue());
  expect(props.confirmUrl).toMatch(/^https:\/\/verdicts\.example\.com\/confirm\?token=[\w.-]+$/);
  expect(props.expiresInDays).toBe(7);
});

describe('latestWeek and busiestWeek', () => {
  const tools = ['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-09', '2026-11-10', '2026-11-16'].map((addedAt) => ({ addedAt }));

  it('name the week with the newest tool and the week with the most', () => {
    expect(latestWeek(tools, 'UTC')).toBe('2026-W47');
    expect(busiestWeek(tools, 'UTC')).toBe('2026-W45');
  });

  it('take the later week on a tie, and null for an empty catalog', () => {
    expect(busiestWeek(tools.slice(1), 'UTC')).toBe('2026-W46');
    expect(busiestWeek([], 'UTC')).toBeNull();
    expect(latestWeek([], 'UTC')).toBeNull();
  });

  it("count a tool in the week of the digest's time zone", () => {
    // Sunday 23:30 in New York is already Monday in UTC.
    const late = [{ addedAt: '2026-11-09T04:30:00Z' }, { addedAt: '2026-11-09T04:40:00Z' }, { addedAt: '2026-11-10' }];
    expect(busiestWeek(late, 'UTC')).toBe('2026-W46');
    expect(busiestWeek(late, 'America/New_York')).toBe('2026-W45');
  });
});

it("the sample catalog's busiest week is its latest, so the preview and the fidelity test show the same issue", async () => {
  const issue = await sampleIssue('data', busiestWeek);
  expect(issue.week).toBe('2026-W46');
});

it("the sample's key is made once, strong and private, then kept: the links of earlier sample messages keep working", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'sample-secret-'));
  try {
    const state = path.join(dir, 'sample');
    const made = await sampleSecret(state);
    expect(made).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(path.join(state, 'secret'))).mode & 0o777).toBe(0o600);
    expect((await stat(state)).mode & 0o777).toBe(0o700);
    expect(await sampleSecret(state)).toBe(made);

    await writeFile(path.join(state, 'secret'), 'a-key-an-earlier-run-made-and-kept-for-its-links\n');
    expect(await sampleSecret(state)).toBe('a-key-an-earlier-run-made-and-kept-for-its-links');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
