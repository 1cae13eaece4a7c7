import { expect, it } from 'vitest';
import { now, print, printError } from './common.ts';
import { type OutputStream, setExitStatus, withIo } from './io.ts';
import { sendProgress } from './progress.ts';

const sink = (): OutputStream & { text: string } => ({
  text: '',
  write(chunk: string | Uint8Array) {
    this.text += String(chunk);
    return true;
  },
});

it('runs at once in one process each print to their own streams, read their own clock and set their own exit status', async () => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const run = (name: string, at: string, status: number) => {
    const [stdout, stderr] = [sink(), sink()];
    const done = withIo({ stdout, stderr, env: { DIGEST_NOW: at } }, async () => {
      print(`${name} starts`);
      // Both runs wait here together, so what follows interleaves with the other run.
      await gate;
      print(`${name} at ${now().toISOString()}`);
      printError(`${name}\u001b[2J`);
      sendProgress(3).batchDone(1, 3, 'sent');
      setExitStatus(status);
    });
    return done.then(({ exitStatus }) => ({ exitStatus, stdout: stdout.text, stderr: stderr.text }));
  };
  const [a, b] = [run('a', '2026-11-16T08:59:30Z', 0), run('b', '2027-01-04T12:00:00Z', 3)];
  open();
  const [ra, rb] = await Promise.all([a, b]);

  expect(ra.exitStatus).toBe(0);
  expect(rb.exitStatus).toBe(3);
  expect(ra.stdout).toMatch(/^a starts\na at 2026-11-16T08:59:\d\d\.\d+Z\n$/);
  expect(rb.stdout).toMatch(/^b starts\nb at 2027-01-04T12:00:\d\d\.\d+Z\n$/);
  // Escaped as ever; the progress is plain lines, as on any stream that is not a terminal.
  expect(ra.stderr).toMatch(/^a\\u001b\[2J\nbatch 1: 3 sent \(3\/3, \d+\/s, ETA 0s\)\n$/);
  expect(rb.stderr).toMatch(/^b\\u001b\[2J\nbatch 1: 3 sent \(3\/3, \d+\/s, ETA 0s\)\n$/);
});
