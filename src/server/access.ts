import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import type { SubscriberEvent } from '../subscribers/schema.ts';
import type { ResendEvent } from './webhooks.ts';

/** A path as it may be logged: query values that sign or identify a reader (token, ...) are replaced by "…". */
export function loggablePath(url: string): string {
  const { pathname, searchParams } = new URL(url, 'http://x');
  const query = [...searchParams.keys()].map(
    (k) =>
      `${encodeURIComponent(k)}=${/^(token|.*secret.*|.*key.*|sig.*|email)$/i.test(k) ? '…' : encodeURIComponent(searchParams.get(k) ?? '')}`,
  );
  return query.length > 0 ? `${pathname}?${query.join('&')}` : pathname;
}

/** One line per request on stdout: method, path without tokens, status, milliseconds. */
export function requestLog(write: (line: string) => void = console.log): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    await next();
    write(`${c.req.method} ${loggablePath(c.req.url)} ${c.res.status} ${Math.round(performance.now() - started)}ms`);
  };
}

/**
 * The client's address for rate limits. Behind `hops` trusted proxies it is read from X-Forwarded-For, counting
 * from the right: each trusted proxy appends the address it saw, so the entry `hops` from the end is the one the
 * outermost trusted proxy saw, and anything left of it is whatever the client chose to send (spoofable).
 */
export function clientAddress(c: Context, hops: number): string {
  if (hops > 0) {
    const forwarded = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    const chosen = forwarded[forwarded.length - hops] ?? forwarded[0];
    if (chosen) return chosen;
  }
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** One line per webhook on stdout: its type, the addresses, and what it changed. */
export function webhookLine(
  event: ResendEvent,
  recorded: readonly SubscriberEvent[],
  outcome: 'recorded' | 'duplicate' | 'ignored',
): string {
  const to = event.data.to?.join(' ') ?? '';
  const change =
    outcome === 'duplicate'
      ? 'already recorded; nothing changed'
      : outcome === 'ignored'
        ? 'nothing changed'
        : recorded.length === 0
          ? 'recorded for stats; the list is unchanged'
          : `${recorded.map((r) => r.email).join(' ')} ${recorded[0]?.type === 'bounce' ? 'bounced' : 'complained'}: no more mail`;
  return `webhook ${event.type} to ${to || '(no address)'}: ${change}`;
}

/**
 * Lines to `write` gathered and written together once per turn of the event loop: on a pipe each write is a
 * system call that blocks, and a busy server logs two lines per webhook. `flush` writes what is waiting now;
 * after `close`, each line is written at once.
 */
export function lineBuffer(write: (text: string) => void): { write: (line: string) => void; flush: () => void; close: () => void } {
  let waiting: string[] = [];
  let open = true;
  const flush = () => {
    if (waiting.length === 0) return;
    const text = `${waiting.join('\n')}\n`;
    waiting = [];
    write(text);
  };
  return {
    write: (line) => {
      if (!open) write(`${line}\n`);
      else if (waiting.push(line) === 1) setImmediate(flush);
    },
    flush,
    close: () => {
      open = false;
      flush();
    },
  };
}
