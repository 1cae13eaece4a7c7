/**
 * What `npm run digest` and `npm start` run: the CLI bundled (src/cli/bundle.mjs) into node_modules/.cache, made
 * anew whenever a source changes. Through tsx's loader thread each start cost 2.5 s of CPU and 135 MB before any
 * work (BENCHMARKS.md); bundled, about 1 s and 95 MB. Where no bundle can be made, the CLI runs through tsx.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleCli, fingerprint, ROOT } from './bundle.mjs';

/** The bundle of this checkout's sources, made when missing; null when it cannot be made (no esbuild, a read-only folder). */
async function bundledMain() {
  try {
    const dir = path.join(ROOT, 'node_modules', '.cache', 'weekly-ai-tool-verdicts', `cli-${fingerprint()}`);
    const main = path.join(dir, 'main.mjs');
    if (existsSync(main)) return main;
    // Made aside and renamed into place, so a command started meanwhile never runs half a bundle; of two made at once, one stays.
    const building = `${dir}.${process.pid}.tmp`;
    try {
      await bundleCli(building, { main: 'src/cli/main.ts' });
      renameSync(building, dir);
    } catch (error) {
      if (!existsSync(main)) throw error;
    } finally {
      rmSync(building, { recursive: true, force: true });
    }
    return main;
  } catch {
    return null;
  }
}

// React's production build: the development one is slower and turns on promise hooks (BENCHMARKS.md). Set before
// the bundle is imported, since a chunk may load React as it is evaluated.
process.env.NODE_ENV ??= 'production';
let main = await bundledMain();
if (main === null) {
  (await import('tsx/esm/api')).register();
  main = path.join(ROOT, 'src', 'cli', 'main.ts');
}
await (await import(pathToFileURL(main).href)).runAsProgram();
