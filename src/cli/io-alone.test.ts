import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

// In a process of its own: once any run goes into AsyncLocalStorage, Node 20 keeps promise hooks on for the whole
// process, and the suite's workers run file after file in one process.
const RUN_ALONE = `
import { executionAsyncResource } from 'node:async_hooks';
const { print } = await import(${JSON.stringify(fileURLToPath(new URL('./common.ts', import.meta.url)))});
const { withIo } = await import(${JSON.stringify(fileURLToPath(new URL('./io.ts', import.meta.url)))});
let text = '';
const stdout = { write: (chunk) => ((text += String(chunk)), true) };
const { result } = await withIo({ stdout, stderr: stdout, env: {} }, async () => {
  await Promise.resolve();
  print('alone');
  // A promise hook marks the resource of what runs with its ids and stores; without one it stays bare.
  return Object.getOwnPropertySymbols(executionAsyncResource()).length;
});
process.stdout.write(JSON.stringify({ symbols: result, text }));
`;

it('keeps a run alone in its process out of AsyncLocalStorage, whose promise hooks would slow every promise of a long serve', () => {
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', RUN_ALONE], { encoding: 'utf8' });
  expect(JSON.parse(output)).toEqual({ symbols: 0, text: 'alone\n' });
});
