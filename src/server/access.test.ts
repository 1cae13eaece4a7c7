import { describe, expect, it } from 'vitest';
import { lineBuffer } from './access.ts';

describe('lineBuffer', () => {
  it('writes the lines of one turn together and in order, what waits at flush or close at once, and each line after close', async () => {
    const writes: string[] = [];
    const out = lineBuffer((text) => writes.push(text));
    out.write('GET / 200 1ms');
    out.write('POST /webhooks/resend 200 2ms');
    expect(writes).toEqual([]);
    await new Promise((turn) => setImmediate(turn));
    expect(writes).toEqual(['GET / 200 1ms\nPOST /webhooks/resend 200 2ms\n']);
    out.write('webhook email.opened to ada@example.com: recorded for stats; the list is unchanged');
    out.flush();
    out.write('GET /issues 200 3ms');
    out.close();
    out.write('GET / 200 4ms');
    expect(writes.slice(1)).toEqual([
      'webhook email.opened to ada@example.com: recorded for stats; the list is unchanged\n',
      'GET /issues 200 3ms\n',
      'GET / 200 4ms\n',
    ]);
    await new Promise((turn) => setImmediate(turn));
    expect(writes).toHaveLength(4);
  });
});
