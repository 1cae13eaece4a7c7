import { executionAsyncResource } from 'node:async_hooks';
import { expect, it } from 'vitest';
import { print } from './common.ts';
import { withIo } from './io.ts';

// A file of its own: once any run goes into AsyncLocalStorage, Node 20 keeps promise hooks on for the whole process.
it('keeps a run alone in its process out of AsyncLocalStorage, whose promise hooks would slow every promise of a long serve', async () => {
  let text = '';
  const stdout = {
    write(chunk: string | Uint8Array) {
      text += String(chunk);
      return true;
    },
  };
  const { result } = await withIo({ stdout, stderr: stdout, env: {} }, async () => {
    await Promise.resolve();
    print('alone');
    // A promise hook marks the resource of what runs with its ids and stores; without one it stays bare.
    return Object.getOwnPropertySymbols(executionAsyncResource());
  });
  expect(result).toEqual([]);
  expect(text).toBe('alone\n');
});
