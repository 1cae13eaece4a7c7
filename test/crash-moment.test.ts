import { expect, it } from 'vitest';
import { expectEveryoneExactlyOnce, fakeResendForFile, send, workspace } from './helpers/crash.ts';
import { mulberry32 } from './helpers/random.ts';

// `send` is killed with SIGKILL at random moments, twice, then run to the end: wherever the kills land (start-up,
// rendering, a request in flight, a ledger write), every reader ends up with exactly one email.

const resend = fakeResendForFile();

it.each([11, 12, 13])('send killed at a random moment, twice, then run again (seed %i)', async (seed) => {
  const fake = resend();
  const random = mulberry32(seed);
  const ws = workspace();
  for (let round = 0; round < 2; round++) {
    await send(ws, fake.url, (child) => setTimeout(() => child.kill('SIGKILL'), 300 + random() * 1500));
  }
  const last = await send(ws, fake.url);
  expect(last.status, last.stderr).toBe(0);
  expectEveryoneExactlyOnce(fake.emails);
});
