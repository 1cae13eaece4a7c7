import { describe, expect, it } from 'vitest';
import { sampleIssue } from '../sample.ts';
import type { LedgerSummary } from '../state/ledger.ts';
import type { State } from '../state/stores.ts';
import { Archive, issueLabel, issueSummary } from './archive.ts';

describe('Archive', () => {
  it('reads again at the next request what a database away could not give, instead of remembering the failure', async () => {
    const issue = await sampleIssue();
    const away = { summarize: true, read: true };
    const lost = () => Object.assign(new Error('connection lost'), { code: 'CONNECTION_CLOSED' });
    const sent: LedgerSummary = { unfinished: [], sent: 1, sentBatches: 1, rejected: [], lastBatch: 1 };
    const state = {
      ledger: () => ({
        length: async () => 2,
        summarize: async () => {
          if (away.summarize) throw lost();
          return sent;
        },
      }),
      issues: {
        version: async () => 'v1',
        read: async () => {
          if (away.read) throw lost();
          return issue;
        },
      },
    } as unknown as State;
    const archive = new Archive(state);

    await expect(archive.issue(issue.week)).rejects.toThrow('connection lost');
    away.summarize = false;
    await expect(archive.issue(issue.week)).rejects.toThrow('connection lost');
    away.read = false;
    expect(await archive.issue(issue.week)).toEqual(issue);
  });

  it("works out an issue's summary once per issue read, and again for an issue read anew", async () => {
    const issue = await sampleIssue();
    const summary = issueSummary(issue);
    expect(summary).toEqual({ week: issue.week, label: issueLabel(issue), titles: expect.any(Array) });
    expect(issueSummary(issue)).toBe(summary);
    const reread = structuredClone(issue);
    expect(issueSummary(reread)).not.toBe(summary);
    expect(issueSummary(reread)).toEqual(summary);
  });
});
