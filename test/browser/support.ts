import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** The repository root, where the CLI runs. */
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Where the browser tests keep their screenshots (ignored by git). */
export const SCREENSHOTS = path.join(REPO, 'test-results', 'screenshots');

/** Debian's headless Chromium (`/usr/bin/chromium`; never a downloaded browser), with nothing that reaches the network on its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** A throwaway catalog, subscriber list and state folder. */
export interface Workspace {
  root: string;
  data: string;
  subscribers: string;
  state: string;
}

/** A valid catalog entry with a split two-reviewer panel; `overrides` replace fields. */
export function tool(slug: string, category: string, addedAt: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    slug,
    name: slug.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => `${dash ? ' ' : ''}${c.toUpperCase()}`),
    tagline: `The ${slug} tagline`,
    category,
    description: `What ${slug} does.`,
    url: `https://${slug}.example`,
    addedAt,
    pricing: { entry: 'free' },
    panel: [
      { persona: 'builder', score: 70, verdict: 'ship', take: 'Works.' },
      { persona: 'skeptic', score: 50, verdict: 'skip', take: 'Unproven.' },
    ],
    ...overrides,
  };
}

/** Creates the folders, the tool files and the subscriber CSV (`email,name,categories,status` rows). */
export async function workspace(tools: Record<string, unknown>[], csvRows: string[]): Promise<Workspace> {
  const root = await mkdtemp(path.join(tmpdir(), 'digest-serve-'));
  const ws = { root, data: path.join(root, 'data'), subscribers: path.join(root, 'subscribers.csv'), state: path.join(root, 'state') };
  await mkdir(path.join(ws.data, 'tools'), { recursive: true });
  for (const t of tools) await writeFile(path.join(ws.data, 'tools', `${t.slug as string}.json`), JSON.stringify(t, null, 2));
  await writeFile(ws.subscribers, `${['email,name,categories,status', ...csvRows].join('\n')}\n`);
  return ws;
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** An `.eml` file's unfolded headers and its decoded text. */
export async function readEml(file: string): Promise<{ headers: Map<string, string>; body: string }> {
  const source = await readFile(file, 'utf8');
  const split = source.indexOf('\r\n\r\n');
  const headers = new Map<string, string>();
  for (const line of source
    .slice(0, split)
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: decodeQuotedPrintable(source.slice(split + 4)) };
}

/** The first link in `body` to `route` (`/confirm`, `/preferences` ...) with its token. */
export function linkTo(body: string, route: string): string {
  const match = new RegExp(`https?://[^\\s"<>]+${route}\\?token=[A-Za-z0-9_.-]+`).exec(body);
  if (!match) throw new Error(`no ${route} link in the message`);
  return match[0];
}

/** A port that was free a moment ago, so a server's public URL can be known before it listens. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Runs the real CLI (`digest <args>`) in a child process; resolves with its exit code and output. */
export function digest(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The environment for a child CLI run: the outbox (no Resend key), the given secret and public URL. */
export function cliEnv(secret: string, publicUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DIGEST_SECRET: secret, DIGEST_PUBLIC_URL: publicUrl, DIGEST_TIMEZONE: 'UTC' };
  delete env.RESEND_API_KEY;
  delete env.DIGEST_NOW;
  return env;
}
