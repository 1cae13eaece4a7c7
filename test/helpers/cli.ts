/**
 * Helpers for whole-program tests: run the CLI as a user would, with arguments and environment, in throwaway
 * folders, and read what it left behind (frozen issues, .eml files in the outbox). `runCli` runs it in the test's
 * own process through the one entry the bin uses, its output captured; `spawnCli` starts a process (the CLI built
 * once to plain JavaScript by test/global-setup.ts) where the process is the point: signals, kill -9, the bin itself.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, type Dirent, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { OutputStream } from '../../src/cli/io.ts';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const FIXTURES = path.join(REPO, 'test', 'fixtures');
/** tsx as an absolute URL, so the CLI can also run with a cwd outside the repo. */
export const TSX = import.meta.resolve('tsx');

/** The node arguments that start an entry point as test/global-setup.ts built it. */
export function nodeArgs(entry: 'main' | 'lock-racer'): string[] {
  const built = inject('builtProgram') as string | undefined;
  if (!built) throw new Error('The CLI was not built: run the tests through vitest.config.ts, whose globalSetup builds it.');
  return [path.join(built, `${entry}.mjs`)];
}

/** How long a test waits for an event before calling it a hang: a backstop against hangs, never a guess about speed. */
export const BACKSTOP_MS = 240_000;

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Extra environment; `undefined` removes a variable. */
  env?: Record<string, string | undefined>;
  /** Hears stderr as it is written, to act once the command has said something. */
  onStderr?: (chunk: string) => void;
}

export interface SpawnOptions extends RunOptions {
  cwd?: string;
  timeoutMs?: number;
  /** Called with the child right after it was spawned (to kill it mid-run, for instance). */
  onSpawn?: (child: ChildProcess) => void;
  /** A script to run instead of the CLI: through tsx when it is TypeScript. */
  script?: string;
}

/** The parent's environment without anything that would change the program's behaviour, with `extra` on top. */
function environment(extra: RunOptions['env'] = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^(DIGEST_|RESEND_|VITEST|NODE_OPTIONS$|TSX_)/.test(key)) continue;
    env[key] = value;
  }
  env.NO_COLOR = '1';
  // tsx reads the tsconfig of the cwd; pin the repo's so a cwd outside the repo compiles the same way.
  env.TSX_TSCONFIG_PATH = path.join(REPO, 'tsconfig.json');
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** A stream that keeps what is written to it, as a pipe would (not a terminal). */
function capture(listen?: (chunk: string) => void): OutputStream & { text: string } {
  return {
    text: '',
    write(chunk: string | Uint8Array) {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      this.text += text;
      listen?.(text);
      return true;
    },
  };
}

/** Runs the CLI with `args` in this process, as the bin does, and collects its exit status and output. */
export async function runCli(args: string[], options: RunOptions = {}): Promise<CliResult> {
  const { runCli: run } = await import('../../src/cli/main.ts');
  const [stdout, stderr] = [capture(), capture(options.onStderr)];
  const status = await run(args, { stdout, stderr, env: environment(options.env) });
  return { status, signal: null, stdout: stdout.text, stderr: stderr.text };
}

const scriptArgs = (script: string) => (script.endsWith('.ts') ? ['--import', TSX, script] : [script]);

/** Runs the CLI (or `options.script`) with `args` in a process of its own and collects its exit status and output. */
export function spawnCli(args: string[], options: SpawnOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.script ? scriptArgs(options.script) : nodeArgs('main')), ...args], {
      cwd: options.cwd ?? REPO,
      env: environment(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      options.onStderr?.(chunk);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? BACKSTOP_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    options.onSpawn?.(child);
  });
}

/** A fresh temp folder for one test; `cleanup()` removes every folder made so far. */
const made: string[] = [];
export function tempDir(prefix = 'digest-cli-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
export function cleanup(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** A throwaway workspace (`dir`): a copy of the sample catalog (data/), the list `csv` (header first), a state folder to be, and the flags naming them. */
export function sampleWorkspace(csv: string[], prefix = 'digest-cli-') {
  const dir = tempDir(prefix);
  const data = path.join(dir, 'data');
  cpSync(path.join(REPO, 'data'), data, { recursive: true });
  const subscribers = writeCsv(dir, csv);
  const state = path.join(dir, 'state');
  return { dir, data, subscribers, state, flags: ['--data', data, '--subscribers', subscribers, '--state', state] };
}

/** A folder as the quick start leaves a checkout, to run commands in: copies of data/ and subscribers/example.csv where they are. */
export function quickStartFolder(prefix = 'digest-cli-'): string {
  const dir = tempDir(prefix);
  cpSync(path.join(REPO, 'data'), path.join(dir, 'data'), { recursive: true });
  cpSync(path.join(REPO, 'subscribers', 'example.csv'), path.join(dir, 'subscribers', 'example.csv'));
  return dir;
}

/** A copy of a fixture catalog that a test may change. */
export function copyFixture(name: string, into: string = tempDir()): string {
  const dir = path.join(into, name);
  cpSync(fixture(name), dir, { recursive: true });
  return dir;
}

export function writeText(file: string, text: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** A subscriber CSV from lines of text (the header included). */
export function writeCsv(dir: string, lines: string[], name = 'subscribers.csv'): string {
  return writeText(path.join(dir, name), `${lines.join('\n')}\n`);
}

/** Every file under `dir`, recursively, as paths relative to it, sorted; [] when it does not exist. */
export function filesUnder(dir: string, prefix = ''): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(path.join(dir, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .flatMap((entry) => {
      const rel = path.join(prefix, entry.name);
      return entry.isDirectory() ? filesUnder(dir, rel) : [rel];
    })
    .sort();
}

export function emlFilesUnder(dir: string): string[] {
  return filesUnder(dir)
    .filter((f) => f.endsWith('.eml'))
    .map((f) => path.join(dir, f));
}

// ---------------------------------------------------------------------------------------------
// Output checks

/** Lines of a stack trace, or the noise of an uncaught error, that a user must never see. */
export function traceNoise(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => /^\s+at\s/.test(line) || /^(\w*Error|Unexpected error)\b/.test(line.trim()) || /node:internal|file:\/\//.test(line));
}

/** The stderr lines that aren't blank. */
export function stderrLines(result: CliResult): string[] {
  return result.stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** The issue that `build --json` printed. */
export interface JsonSide {
  slug: string;
  name: string;
  category: string;
  isNew: boolean;
  tagline?: string;
  panel: { label: string; percent: number | null; ship: number; skip: number };
}
export interface JsonIssue {
  week: string;
  timezone: string;
  comparisons: { left: JsonSide; right: JsonSide | null; pick: string; summary: string }[];
}

export function parseIssue(result: CliResult): JsonIssue {
  if (result.status !== 0) throw new Error(`build failed (${result.status}): ${result.stderr}`);
  return JSON.parse(result.stdout) as JsonIssue;
}

/** The slugs of the week's new tools, sorted. */
export function newSlugs(issue: JsonIssue): string[] {
  return issue.comparisons
    .flatMap((c) => [c.left, c.right])
    .filter((s): s is JsonSide => s?.isNew === true)
    .map((s) => s.slug)
    .sort();
}

/** Each comparison as "a|b" (sorted slugs), or "a" when listed alone. */
export function pairsOf(issue: JsonIssue): string[] {
  return issue.comparisons.map((c) => [c.left.slug, c.right?.slug].filter(Boolean).sort().join('|')).sort();
}

// ---------------------------------------------------------------------------------------------
// .eml reading (just enough MIME for nodemailer's output)

export interface Eml {
  file: string;
  /** Header names lowercased; folded lines unfolded; RFC 2047 words decoded. */
  headers: Map<string, string>;
  /** Raw header lines after unfolding, as they appear. */
  rawHeaders: string[];
  text: string;
  html: string;
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=\s*(?==\?)|=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, c1, e1, t1, c2, e2, t2) => {
    const enc = (e1 ?? e2) as string;
    const text = (t1 ?? t2) as string;
    void (c1 ?? c2);
    if (enc.toUpperCase() === 'B') return Buffer.from(text, 'base64').toString('utf8');
    return decodeQuotedPrintable(text.replace(/_/g, ' '));
  });
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const source = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(source.slice(i + 1, i + 3))) {
      bytes.push(parseInt(source.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function splitHead(raw: string): { head: string; body: string } {
  const match = /\r?\n\r?\n/.exec(raw);
  if (!match) return { head: raw, body: '' };
  return { head: raw.slice(0, match.index), body: raw.slice(match.index + match[0].length) };
}

function parseHeaders(head: string): { headers: Map<string, string>; lines: string[] } {
  const lines = head
    .replace(/\r?\n(?=[ \t])/g, '')
    .split(/\r?\n/)
    .filter(Boolean);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = decodeWords(line.slice(colon + 1).trim());
    if (!headers.has(name)) headers.set(name, value);
  }
  return { headers, lines };
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? '7bit').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

/** The parts of a (possibly nested) multipart body, decoded, by content type. */
function collectParts(headers: Map<string, string>, body: string, out: { type: string; content: string }[]): void {
  const type = headers.get('content-type') ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const chunks = body.split(`--${boundary}`).slice(1);
    for (const chunk of chunks) {
      if (chunk.startsWith('--')) break;
      // The line break before a boundary belongs to the boundary (RFC 2046), not to the part.
      const { head, body: partBody } = splitHead(chunk.replace(/^\r?\n/, '').replace(/\r?\n$/, ''));
      collectParts(parseHeaders(head).headers, partBody, out);
    }
    return;
  }
  // Text travels as CRLF (RFC 5322); a mail client gives it back with the local line ends, as this does.
  const content = decodeBody(body, headers.get('content-transfer-encoding')).replace(/\r\n/g, '\n');
  out.push({ type: type.split(';')[0]!.trim().toLowerCase(), content });
}

export function readEml(file: string): Eml {
  const raw = readFileSync(file, 'utf8');
  const { head, body } = splitHead(raw);
  const { headers, lines } = parseHeaders(head);
  const parts: { type: string; content: string }[] = [];
  collectParts(headers, body, parts);
  return {
    file,
    headers,
    rawHeaders: lines,
    text: parts
      .filter((p) => p.type === 'text/plain')
      .map((p) => p.content)
      .join('\n'),
    html: parts
      .filter((p) => p.type === 'text/html')
      .map((p) => p.content)
      .join('\n'),
  };
}

/** The bare address of a To header such as `Name <a@b.c>` or `a@b.c`, lowercased. */
export function addressOf(to: string | undefined): string {
  const value = to ?? '';
  return (/<([^>]+)>/.exec(value)?.[1] ?? value).trim().toLowerCase();
}

const ENTITIES: Record<string, string> = { amp: '&', quot: '"', lt: '<', gt: '>', '#39': "'", '#x27': "'" };

/** The attributes of each `<a>` tag of an HTML document, their entities decoded. */
function anchors(html: string): Map<string, string>[] {
  return [...html.matchAll(/<a\s[^>]*>/gi)].map(
    ([tag]) =>
      new Map(
        [...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, name, value]) => [
          name!.toLowerCase(),
          value!.replace(/&(amp|quot|lt|gt|#39|#x27);/g, (_, entity: string) => ENTITIES[entity]!),
        ]),
      ),
  );
}

/** Where a reader's "Ship it" or "Skip it" link for the tool called `name` in a sent message's HTML leads. */
export function voteLink(html: string, name: string, choice: 'ship' | 'skip'): URL {
  const label = choice === 'ship' ? `Ship it: vote for ${name}` : `Skip it: vote against ${name}`;
  const href = anchors(html)
    .find((a) => a.get('aria-label') === label)
    ?.get('href');
  if (href === undefined) throw new Error(`no link labelled "${label}" in the message`);
  return new URL(href);
}
