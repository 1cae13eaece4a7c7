import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** An HTTP answer read whole. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/**
 * POSTs `body` as it is over node:http(s), without the copies fetch makes of a request body (two of each 8 MB batch, and
 * the collections their memory set off). Resolves with the answer, or rejects on a network error or once `signal`
 * aborts; either way only once the request is closed, so no write of `body` is still pending and its memory may be reused.
 */
export function post(
  url: URL,
  headers: Record<string, string>,
  body: Uint8Array,
  signal: AbortSignal,
  agent: HttpAgent | HttpsAgent,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let outcome: { answer: Answer } | { error: unknown } = { error: new Error('the request closed before an answer') };
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      agent,
      headers: { ...headers, 'content-length': String(body.length) },
    });
    const abort = () => request.destroy(signal.reason);
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        outcome = { answer: { status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') } };
      });
      response.on('error', (error) => (outcome = { error }));
    });
    request.on('error', (error) => {
      if (!('answer' in outcome)) outcome = { error };
    });
    request.on('close', () => {
      signal.removeEventListener('abort', abort);
      if ('answer' in outcome) resolve(outcome.answer);
      else reject(outcome.error);
    });
    request.end(body);
  });
}

/** An agent that keeps connections open between requests, as fetch does, for the base URL's protocol. */
export const keepAliveAgent = (url: URL): HttpAgent | HttpsAgent =>
  url.protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
