import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { sampleIssue } from '../sample.ts';
import { sendLock } from './submission.ts';
import { at, BACKENDS, type Backend, WEEK, collect } from '../../test/helpers/state-backends.ts';
import type { State } from './stores.ts';

const reader = (n: number) => ({ email: `r${n}@example.com`, name: null, categories: [] });
const settings = { from: 'f1', publicUrl: 'p1', secret: null, postalAddress: 'a1' };

describe.each(BACKENDS)("the %s backend of the state: a send's ledger", (_name, make, { journals, skip = false }) => {
  const it = test.skipIf(skip);
  const itJournaled = test.skipIf(skip || !journals);
  let backend: Backend;
  let state: State;
  beforeEach(async () => {
    backend = await make();
    state = backend.open();
  });
  afterEach(() => backend.close());

  describe('the ledger', () => {
    it('plans, marks each batch submitting then sent or failed, and summarizes it for the next run', async () => {
      const ledger = state.ledger(WEEK);
      expect([await ledger.exists(), await ledger.length(), await ledger.lastWritten()]).toEqual([false, 0, null]);
      const issue = { ...(await sampleIssue()), week: WEEK };
      await state.locks.hold(sendLock(WEEK), async () => {
        await ledger.plan(
          [1, 2, 3].map((batch) => ({ batch, key: `k${batch}`, recipients: [reader(batch * 10), reader(batch * 10 + 1)] })),
          { at: at(0), sha256: 'abc', issue, settings },
        );
        await ledger.submitting(1);
        await ledger.sent(1, [{ email: 'r11@example.com', reason: 'invalid address' }]);
        await ledger.submitting(2);
        await ledger.failed(3, 'validation_error', true);
      });
      const reopened = backend.open().ledger(WEEK);
      expect(await reopened.started()).toMatchObject({ issue, settings });
      const claimed: string[] = [];
      const summary = await reopened.summarize((email) => claimed.push(email));
      expect(summary).toMatchObject({ sent: 1, sentBatches: 1, lastBatch: 3, rejected: [{ email: 'r11@example.com' }] });
      expect(summary.unfinished.map((b) => [b.batch, b.state])).toEqual([[2, 'submitting']]);
      expect(claimed.sort()).toEqual(['r10@example.com', 'r11@example.com', 'r20@example.com', 'r21@example.com']);
      expect([...(await reopened.sentReaders())]).toEqual(['r10@example.com']);
      expect((await reopened.batchStates()).map((b) => b.state)).toEqual(['sent', 'submitting', 'failed']);
      expect(await collect(reopened.batches())).toEqual([
        {
          batch: 1,
          key: 'k1',
          recipients: [reader(10), reader(11)],
          state: 'sent',
          rejected: [{ email: 'r11@example.com', reason: 'invalid address' }],
          reason: null,
          nothingSent: false,
        },
        { batch: 2, key: 'k2', recipients: [reader(20), reader(21)], state: 'submitting', rejected: [], reason: null, nothingSent: false },
        {
          batch: 3,
          key: 'k3',
          recipients: [reader(30), reader(31)],
          state: 'failed',
          rejected: [],
          reason: 'validation_error',
          nothingSent: true,
        },
      ]);
      expect(await reopened.length()).toBeGreaterThan(0);
      expect(await backend.open().ledgerWeeks()).toEqual([WEEK]);
      expect(await backend.open().readers.has(WEEK, 'r10@example.com')).toBe(true);
      expect(await backend.open().readers.has(WEEK, 'r20@example.com')).toBe(false);
    });

    it('drops from a pending batch, as it goes, the readers who left since it was planned, and re-keys it; a batch that may have gone goes as recorded', async () => {
      const ledger = state.ledger(WEEK);
      const planned = [1, 2, 3].map((batch) => ({ batch, key: `k${batch}`, recipients: [reader(batch * 10), reader(batch * 10 + 1)] }));
      const recheck = (batch: number) => ({
        recipients: planned[batch - 1]?.recipients ?? [],
        rekey: (kept: { email: string }[]) => `k${batch}:${kept.map((r) => r.email).join(',')}`,
      });
      const submissions = await state.locks.hold(sendLock(WEEK), async () => {
        await ledger.plan(planned);
        await ledger.submitting(2);
        for (const email of ['r11@example.com', 'r21@example.com', 'r30@example.com', 'r31@example.com']) await backend.optOut(email);
        return [
          await ledger.submitting(1, { recheck: recheck(1) }),
          await ledger.submitting(2, { recheck: recheck(2) }),
          await ledger.submitting(3, { recheck: recheck(3) }),
        ];
      });
      const unsubscribed = (n: number) => ({ email: reader(n).email, status: 'unsubscribed' });
      expect(submissions).toEqual([
        { kind: 'send', stopped: [unsubscribed(11)], replanned: { key: 'k1:r10@example.com', recipients: [reader(10)] } },
        { kind: 'send', stopped: [], replanned: null },
        { kind: 'send', stopped: [unsubscribed(30), unsubscribed(31)], replanned: { key: 'k3:', recipients: [] } },
      ]);
      const reopened = backend.open().ledger(WEEK);
      const claimed: string[] = [];
      const summary = await reopened.summarize((email) => claimed.push(email));
      expect(summary.unfinished.map((b) => [b.batch, b.key, b.recipients.length])).toEqual([
        [1, 'k1:r10@example.com', 1],
        [2, 'k2', 2],
      ]);
      expect(claimed.sort()).toEqual(['r10@example.com', 'r20@example.com', 'r21@example.com']);
      expect((await reopened.batchStates()).map((b) => [b.batch, b.state, b.size])).toEqual([
        [1, 'submitting', 1],
        [2, 'submitting', 2],
        [3, 'sent', 0],
      ]);
      await state.locks.hold(sendLock(WEEK), () => ledger.sent(1));
      expect([...(await backend.open().ledger(WEEK).sentReaders())]).toEqual(['r10@example.com']);
      const readers = backend.open().readers;
      expect([await readers.has(WEEK, 'r10@example.com'), await readers.has(WEEK, 'r11@example.com')]).toEqual([true, false]);
    });

    it('leaves a batch of unknown fate that first went over 23 hours ago, unless asked to send it anyway', async () => {
      await state.locks.hold(sendLock(WEEK), () =>
        state.ledger(WEEK).plan([1, 2].map((batch) => ({ batch, key: `k${batch}`, recipients: [reader(batch)] }))),
      );
      await backend.wentLongAgo(1);
      // Opened again, as the next send is: a ledger of the files backend reads when its batches went only once.
      const resumed = backend.open();
      await resumed.locks.hold(sendLock(WEEK), async () => {
        const ledger = resumed.ledger(WEEK);
        expect(await ledger.submitting(1)).toEqual({ kind: 'fate-unknown' });
        expect(await ledger.submitting(2)).toMatchObject({ kind: 'send' });
        expect((await ledger.batchStates()).map((b) => b.state)).toEqual(['submitting', 'submitting']);
        expect(await resumed.ledger(WEEK).submitting(1, { resendUnknown: true })).toMatchObject({ kind: 'send' });
      });
    });

    itJournaled('reads past a step a crash cut short, and refuses a damaged record naming where it is', async () => {
      const ledger = state.ledger(WEEK);
      await ledger.plan([{ batch: 1, key: 'k1', recipients: [reader(1)] }]);
      await backend.tear('ledger');
      await ledger.sent(1);
      expect(
        (
          await backend
            .open()
            .ledger(WEEK)
            .summarize(() => undefined)
        ).sent,
      ).toBe(1);
      await backend.damage('ledger');
      await ledger.failed(2, 'x', true);
      await expect(
        backend
          .open()
          .ledger(WEEK)
          .summarize(() => undefined),
      ).rejects.toThrow(`${ledger.place}, line`);
    });

    it('plans batches as they come, and gives back the readers each was planned with, also to the next opening', async () => {
      const ledger = state.ledger(WEEK);
      async function* streamed() {
        for (const batch of [1, 2]) yield { batch, key: `k${batch}`, recipients: [reader(batch * 10), reader(batch * 10 + 1)] };
      }
      await state.locks.hold(sendLock(WEEK), async () => {
        await ledger.plan(streamed());
        await ledger.plan([{ batch: 3, key: 'k3', recipients: [reader(30)] }]);
      });
      expect(await ledger.recipients(2)).toEqual([reader(20), reader(21)]);
      const reopened = backend.open().ledger(WEEK);
      expect([await reopened.recipients(1), await reopened.recipients(3)]).toEqual([[reader(10), reader(11)], [reader(30)]]);
      expect((await reopened.batchStates()).map((b) => b.size)).toEqual([2, 2, 1]);
    });
  });
});
