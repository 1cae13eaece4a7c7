import { describe, expect, it } from 'vitest';
import { atLine, LedgerError, LineError, VotesError } from './errors.ts';

describe('LineError: one sentence for a line of a file that is not what it should be', () => {
  it('names the file and line, what is wrong and how to repair it', () => {
    const error = new LineError('state/x.jsonl', 3, 'cannot be read', 'fix or delete line 3, then run again');
    expect(error.message).toBe('state/x.jsonl, line 3 cannot be read; fix or delete line 3, then run again.');
  });

  it('says what the damage keeps a command from doing, and says it again for another command', () => {
    const error = new LineError('f.jsonl', 2, 'is not a record', 'fix that line', 'send cannot tell who has the issue');
    expect(error.message).toBe('f.jsonl, line 2 is not a record, so send cannot tell who has the issue; fix that line.');
    expect(error.for('stats stops').message).toBe('f.jsonl, line 2 is not a record, so stats stops; fix that line.');
  });

  it('is the sentence of the ledger and the votes, which the server tells apart', () => {
    const ledger = new LedgerError('ledger/2026-W46.jsonl', 4, 'status cannot tell how far the send got');
    expect(ledger).toBeInstanceOf(LineError);
    expect(ledger.message).toBe(
      'ledger/2026-W46.jsonl, line 4 is not a ledger record, so status cannot tell how far the send got; restore the file from a backup or repair that line by hand (see "Damaged state" in README.md).',
    );
    expect(new VotesError('votes.jsonl', 1).message).toBe(
      `votes.jsonl, line 1 is not a vote, so the readers' votes cannot be counted; fix or delete that line (see "Damaged state" in README.md).`,
    );
  });
});

describe('atLine', () => {
  it.each([
    ['a line', 7, 'list.csv, line 7'],
    ['no line known', undefined, 'list.csv'],
    ['line 0 (none)', 0, 'list.csv'],
  ])('%s', (_, line, expected) => {
    expect(atLine('list.csv', line)).toBe(expected);
  });
});
