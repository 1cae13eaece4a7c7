/**
 * The webhook guarantee at the process's edge: a delivery answered 2xx is on disk, whatever kills `serve` right
 * after (kill -9 while events stream in), and a redelivery to the next `serve` records each event once.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, fixture, tempDir, writeCsv } from './helpers/cli.ts';
import { type ServeProcess, startServe } from './helpers/serve.ts';
import { signedPost, WEBHOOK_SECRET } from './helpers/svix.ts';

const running: ServeProcess[] = [];
afterAll(async () => {
  // The one killed with -9 has exited already; stop() waits for an exit still to come.
  await Promise.all(running.filter(({ child }) => child.signalCode === null).map((server) => server.stop()));
  cleanup();
});

async function serve(dir: string): Promise<ServeProcess> {
  const csv = writeCsv(dir, ['email,name', 'ada@example.com,Ada']);
  const server = await startServe(['--data', fixture('mixed'), '--subscribers', csv, '--state', path.join(dir, 'state')], {
    DIGEST_SECRET: 'kill-test-secret-long-enough-to-sign-links',
    RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET,
  });
  running.push(server);
  return server;
}

const ids = Array.from({ length: 300 }, (_, i) => `msg_${i}`);
const post = (url: string, id: string) =>
  fetch(`${url}/webhooks/resend`, signedPost(JSON.stringify({ type: 'email.opened', data: { to: ['ada@example.com'] } }), id));

describe('serve killed with -9 while webhooks stream in', () => {
  it('has every event it answered 2xx in its log, and the next serve records each redelivery once', async () => {
    const dir = tempDir('digest-webhook-kill-');
    const first = await serve(dir);
    const answered: string[] = [];
    let killed!: () => void;
    const enough = new Promise<void>((resolve) => (killed = resolve));
    const deliveries = ids.map((id) =>
      post(first.url, id).then(
        (response) => {
          if (response.ok) answered.push(id);
          if (answered.length === 50) killed();
        },
        () => undefined,
      ),
    );
    await enough;
    const exited = once(first.child, 'exit');
    first.child.kill('SIGKILL');
    await exited;
    await Promise.all(deliveries);
    const logged = () =>
      readFileSync(path.join(dir, 'state', 'webhooks', 'resend.jsonl'), 'utf8')
        .split('\n')
        .flatMap((line) => {
          // A line the kill cut short was never answered: skipped, as the log's readers skip it.
          try {
            return [(JSON.parse(line) as { id: string }).id];
          } catch {
            return [];
          }
        });
    expect(answered.length).toBeGreaterThanOrEqual(50);
    expect(answered.filter((id) => !logged().includes(id))).toEqual([]);

    const second = await serve(dir);
    for (const id of ids) expect([id, (await post(second.url, id)).status]).toEqual([id, 200]);
    expect(logged().sort()).toEqual([...ids].sort());
  });
});
