import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** What `send` loads before it runs: every file and package its modules import statically, not by `import()`. */
async function loadedBySend(): Promise<Set<string>> {
  // emails/_preview/live.ts imports `../_live/${name}.json`, which esbuild resolves against the ignored folder.
  mkdirSync(path.join(REPO, 'emails', '_live'), { recursive: true });
  const { metafile } = await build({
    absWorkingDir: REPO,
    entryPoints: ['src/cli/main.ts', 'src/cli/send.ts'],
    bundle: true,
    write: false,
    outdir: 'out',
    splitting: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    metafile: true,
    logLevel: 'silent',
  });
  const loaded = new Set<string>();
  const next = ['src/cli/main.ts', 'src/cli/send.ts'];
  for (let file = next.pop(); file !== undefined; file = next.pop()) {
    if (loaded.has(file)) continue;
    loaded.add(file);
    for (const edge of metafile.inputs[file]?.imports ?? []) if (edge.kind === 'import-statement') next.push(edge.path);
  }
  return loaded;
}

// Under tsx every module loaded costs start-up (a dry run of two readers took 3 s of CPU): a send loads what it uses.
it('send loads no PostgreSQL without a database, no Resend SDK or nodemailer before a message goes, and no confirmation email', async () => {
  const loaded = await loadedBySend();
  expect(loaded).toContain('src/delivery/send-week.ts');
  for (const module of [
    'postgres',
    'src/state/pg/state.ts',
    'resend',
    'nodemailer/lib/mail-composer/index.js',
    'emails/ConfirmSubscription.tsx',
  ])
    expect(loaded, module).not.toContain(module);
});
