import type { ChildProcess } from 'node:child_process';
import { afterAll, it } from 'vitest';
import { cleanup } from './helpers/cli.ts';
import { expectEveryoneExactlyOnce, READERS, send, withFakeResend, workspace } from './helpers/crash.ts';
import { mulberry32 } from './helpers/random.ts';

// `send` is killed with SIGKILL as a request reaches Resend, then run again until it finishes: every reader must
// end up with exactly one email. (test/crash-moment.test.ts kills at named moments, crash-interrupt.test.ts with SIGINT.)

afterAll(cleanup);

it.concurrent.for([1, 2, 3])('send killed when the k-th request reaches Resend, then run again (seed %i)', (seed, { expect }) => {
  // What the fake does as each request reaches it, set anew for each round.
  let onArrival: (() => void) | undefined;
  return withFakeResend(
    async (fake) => {
      const random = mulberry32(seed);
      const ws = workspace();
      let killedAt = 0;
      // Kill as request k arrives: the server still delivers it, but the client never learns.
      for (let round = 0; round < 3; round++) {
        const k = 1 + Math.floor(random() * 3);
        let child: ChildProcess | undefined;
        let arrived = 0;
        onArrival = () => {
          if (++arrived !== k) return;
          killedAt++;
          child?.kill('SIGKILL');
        };
        const run = await send(ws, fake.url, (c) => (child = c));
        onArrival = undefined;
        if (run.status === 0) break;
        expect(run.signal).toBe('SIGKILL');
      }
      const last = await send(ws, fake.url);
      expect(last.status, last.stderr).toBe(0);
      expect(killedAt).toBeGreaterThan(0);
      expectEveryoneExactlyOnce(expect, fake.emails);
      const again = await send(ws, fake.url);
      expect(again.stdout).toMatch(/already sent to everyone/);
      expect(fake.emails.length).toBe(READERS);
    },
    { onReceived: () => onArrival?.() },
  );
});
