import { describe, expect, it } from 'vitest';
import { fileSystemSentence } from './main.ts';

const fsError = (code: string, syscall: string, path: string) =>
  Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path });

describe('fileSystemSentence', () => {
  it('names the path, the flag that gave it or its folder, and the reason', () => {
    expect(fileSystemSentence(fsError('EACCES', 'open', '/srv/state/ledger/2026-W46.jsonl'), ['send', '--state=/srv/state'])).toBe(
      'Cannot open /srv/state/ledger/2026-W46.jsonl, for --state /srv/state: permission denied (EACCES).',
    );
    expect(fileSystemSentence(fsError('EROFS', 'mkdir', '/mnt'), ['build', '--state', '/mnt/a/b'])).toBe(
      'Cannot create the folder /mnt, for --state /mnt/a/b: the file system is read-only (EROFS).',
    );
    expect(fileSystemSentence(fsError('ENOSPC', 'write', '.digest/issues/x.json'), ['build'])).toBe(
      'Cannot write to .digest/issues/x.json: the disk is full (ENOSPC).',
    );
  });

  it('leaves anything else to be reported as a bug, with its stack', () => {
    expect(fileSystemSentence(new TypeError('x is undefined'), [])).toBeNull();
    expect(fileSystemSentence(fsError('ENOENT', 'open', '/srv/state/x'), [])).toBeNull();
    expect(fileSystemSentence(fsError('EEXIST', 'open', '/srv/state/x.tmp'), [])).toBeNull();
    expect(fileSystemSentence(Object.assign(new Error('EBADF'), { code: 'EBADF', syscall: 'read' }), [])).toBeNull();
  });
});
