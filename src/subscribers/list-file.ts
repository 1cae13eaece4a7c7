import { type FileHandle, open } from 'node:fs/promises';
import { SubscribersError } from '../errors.ts';

/**
 * Refuses a subscriber file with nothing in it (not even the header row): read as a list it would hold
 * nobody, and a send would report "everyone has it" when it was most likely truncated or replaced by mistake.
 * A missing file is left to the list reader, which names it.
 */
export async function assertListNotEmpty(file: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new SubscribersError(`${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
  }
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0).catch((error: NodeJS.ErrnoException) => {
      throw new SubscribersError(`${file} cannot be read (${error.code ?? error.message}); it should be a CSV file.`);
    });
    if (
      head
        .toString('utf8', 0, bytesRead)
        .replace(/^\uFEFF/, '')
        .trim() === ''
    ) {
      throw new SubscribersError(
        `${file} is empty (no header row), so it lists nobody; restore it from a backup, or write the header row "email,name,categories,status" if the list is meant to be empty.`,
      );
    }
  } finally {
    await handle.close();
  }
}
