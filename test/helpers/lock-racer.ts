/**
 * One contender of the lock race in test/lock-race.test.ts: waits for the start signal, then tries for the
 * lock until it holds it once, records its holding in a shared log, and dies still holding it, so the
 * next contender must take over a stale lock.
 */
import { appendFileSync, existsSync } from 'node:fs';
import { withLock } from '../../src/state/lock.ts';
import { UserError } from '../../src/errors.ts';

const [stateDir, log, go] = process.argv.slice(2) as [string, string, string];
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

console.log('ready');
while (!existsSync(go)) await pause(2);
for (;;) {
  try {
    await withLock(stateDir, 'race', async () => {
      appendFileSync(log, `start ${process.pid}\n`);
      // Hold it for a moment, so a second holder would have time to show up.
      await pause(10);
      appendFileSync(log, `end ${process.pid}\n`);
      process.exit(0);
    });
  } catch (error) {
    if (!(error instanceof UserError) || !error.message.startsWith('Another')) {
      console.error(error);
      process.exit(2);
    }
    await pause(Math.random() * 5);
  }
}
