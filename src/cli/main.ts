import { realpathSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { type CommandDef, defineCommand, renderUsage, runCommand, type showUsage } from 'citty';
import { NEWSLETTER } from '../digest/wording.ts';
import { UserError } from '../errors.ts';
import { terminalSafe } from '../plain-text.ts';
import { lostDatabaseSentence } from '../state/pg/limits.ts';
import { type CliIo, currentIo, processIo, withIo } from './io.ts';

// Each command loads only what it uses: `subscribers list` need not load React, Resend and the web server.
export const main = defineCommand({
  meta: { name: 'npm run digest --', description: `${NEWSLETTER}: build, preview and send the weekly digest` },
  subCommands: {
    build: () => import('./build.ts').then((m) => m.default),
    preview: () => import('./preview.ts').then((m) => m.default),
    send: () => import('./send.ts').then((m) => m.default),
    schedule: () => import('./schedule.ts').then((m) => m.default),
    subscribers: () => import('./subscribers.ts').then((m) => m.default),
    serve: () => import('./serve.ts').then((m) => m.default),
    stats: () => import('./stats.ts').then((m) => m.default),
    status: () => import('./status.ts').then((m) => m.default),
    db: () => import('./db.ts').then((m) => m.default),
    // `npm start`: the sample run; handed runCli for `npm start -- serve`, so it need not import this file.
    start: () => import('./start.ts').then((m) => m.startCommand(runCli)),
  },
});

/**
 * Runs the CLI on `rawArgs` with `io` (output, environment, clock) and returns the exit status; a user's mistake is
 * one line on stderr, never a stack trace. Runs at once in one process (tests) keep to their own `io`.
 */
export async function runCli(rawArgs: string[], io: CliIo): Promise<number> {
  const { result, exitStatus } = await withIo(io, () => runCommandLine(rawArgs));
  return result ?? exitStatus;
}

/** The exit status when the run decided it (help, a failure), or null when the command ran: its own status then. */
async function runCommandLine(rawArgs: string[]): Promise<number | null> {
  if (rawArgs.length === 0 || rawArgs.includes('--help') || rawArgs.includes('-h')) {
    let cmd: Parameters<typeof showUsage>[0] = main;
    let parent: Parameters<typeof showUsage>[1];
    const names: string[] = [];
    for (const name of rawArgs.filter((a) => !a.startsWith('-'))) {
      const lazy = (cmd.subCommands as Record<string, CommandDef | (() => Promise<CommandDef>)> | undefined)?.[name];
      if (!lazy) break;
      const sub = typeof lazy === 'function' ? await lazy() : lazy;
      [parent, cmd] = [cmd, sub];
      names.push(name);
    }
    // citty names a command by its parent and itself only; a subcommand's usage gets the whole command a user types.
    const usage = await renderUsage(cmd, parent);
    currentIo().stdout.write(
      `${names.length > 1 ? usage.replaceAll(names.slice(-2).join(' '), `npm run digest -- ${names.join(' ')}`) : usage}\n\n`,
    );
    return rawArgs.length === 0 ? 2 : 0;
  }
  try {
    await runCommand(main, { rawArgs });
    return null;
  } catch (error) {
    return reportFailure(error, rawArgs);
  }
}

/** Prints why a run failed (a user's mistake in one line, a bug with its stack) and returns the exit status. */
export function reportFailure(error: unknown, rawArgs: readonly string[] = []): number {
  const stderr = (line: string) => currentIo().stderr.write(`${line}\n`);
  if (error instanceof UserError) {
    stderr(terminalSafe(error.message));
    return error.exitCode;
  }
  if (error instanceof Error && error.name === 'CLIError') {
    stderr(
      terminalSafe(
        // biome-ignore lint/suspicious/noControlCharactersInRegex: citty colours its messages with ANSI escapes, which start with ESC.
        `${error.message.replace(/\u001b\[\d+m/g, '').replace(/([^.])$/, '$1.')} Run with --help to see the commands and flags.`,
      ),
    );
    return 2;
  }
  const sentence = fileSystemSentence(error, rawArgs) ?? lostDatabaseSentence(error);
  if (sentence) {
    stderr(terminalSafe(sentence));
    return 1;
  }
  stderr(`Unexpected error (a bug, please report it): ${terminalSafe(inspect(error))}`);
  return 70;
}

// What the file system says when a path a user gave cannot serve: the place is wrong, not the program.
const FILE_SYSTEM_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'it goes round in symbolic links',
};
const MKDIR_REASONS: Record<string, string> = { EEXIST: 'it is a file, not a folder', ENOENT: 'no folder can be made there' };
const ACTIONS: Record<string, string> = { mkdir: 'create the folder', open: 'open', write: 'write to', rename: 'write', unlink: 'remove' };
const PATH_FLAG = /^(--(?:state|data|subscribers|out))(?:=(.*))?$/s;

/**
 * One sentence for a file system error on a path (which flag gave it, when one did), or null for anything else,
 * which is a bug. A folder that cannot be created where its parent exists (in /proc) is the user's place too.
 */
export function fileSystemSentence(error: unknown, rawArgs: readonly string[]): string | null {
  const { code, path: where, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  const reason = code && ((syscall === 'mkdir' && MKDIR_REASONS[code]) || FILE_SYSTEM_REASONS[code]);
  if (!reason || !where) return null;
  let given = '';
  for (const [i, arg] of rawArgs.entries()) {
    const flag = PATH_FLAG.exec(arg);
    const value = flag && (flag[2] ?? rawArgs[i + 1]);
    if (!flag || !value) continue;
    const [inside, around] = [path.relative(value, where), path.relative(where, value)];
    if (inside === '') given = `, given as ${flag[1]}`;
    else if (!inside.startsWith('..') || !around.startsWith('..')) given = `, for ${flag[1]} ${value}`;
    if (given) break;
  }
  return `Cannot ${ACTIONS[syscall ?? ''] ?? 'use'} ${where}${given}: ${reason} (${code}).`;
}

/** Whether this file is the program node was started with: the URL escapes the path (a space is %20) and follows symlinks, as import.meta.url does. */
function isEntryPoint(script: string | undefined): boolean {
  if (script === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

/** Runs the CLI as the program: on the process's arguments, its status the process's. src/cli/launch.mjs calls this too. */
export async function runAsProgram(): Promise<void> {
  // React's production build: the development one is slower and its AsyncLocalStorage turns on promise hooks (BENCHMARKS.md).
  process.env.NODE_ENV ??= 'production';
  // A reader that stops early (`build | head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  process.exitCode = await runCli(process.argv.slice(2), processIo());
}

if (isEntryPoint(process.argv[1])) await runAsProgram();
