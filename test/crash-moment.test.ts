import { afterAll, it } from 'vitest';
import { cleanup } from './helpers/cli.ts';
import { expectEveryoneExactlyOnce, send, withFakeResend, workspace } from './helpers/crash.ts';
import { mulberry32 } from './helpers/random.ts';

// `send` is killed with SIGKILL at random moments, twice, then run to the end: wherever the kills land (start-up,
// rendering, a request in flight, a ledger write), every reader ends up with exactly one email.

afterAll(cleanup);

it.concurrent.for([11, 12, 13])('send killed at a random moment, twice, then run again (seed %i)', (seed, { expect }) =>
  withFakeResend(async (fake) => {
    const random = mulberry32(seed);
    const ws = workspace();
    for (let round = 0; round < 2; round++) {
      await send(ws, fake.url, (child) => setTimeout(() => child.kill('SIGKILL'), 300 + random() * 1500));
    }
    const last = await send(ws, fake.url);
    expect(last.status, last.stderr).toBe(0);
    expectEveryoneExactlyOnce(expect, fake.emails);
  }),
);
