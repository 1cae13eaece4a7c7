import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Holds `<state>/locks/<name>.lock` while `work` runs, so only one such `what` (e.g. a send of an issue) runs at a time.
 * A lock left by a process that no longer exists (killed, crashed) is taken over.
 */
export async function withLock<T>(stateDir: string, name: string, work: () => Promise<T>, what = name): Promise<T> {
  const file = path.join(stateDir, 'locks', `${name}.lock`);
  await mkdir(path.dirname(file), { recursive: true });
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new UserError(`Another ${what} is running (lock ${file}); wait for it to finish.`);
      }
      const holder = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
        throw new UserError(`Another ${what} is running (process ${holder}, lock ${file}); wait for it to finish.`);
      }
      await unlink(file).catch(() => undefined);
    }
  }
  try {
    return await work();
  } finally {
    await unlink(file).catch(() => undefined);
  }
}
