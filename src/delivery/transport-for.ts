import path from 'node:path';
import type { Config } from '../config.ts';
import type { State } from '../state/stores.ts';
import { Outbox } from './outbox.ts';
import type { Transport } from './transport.ts';

/** Where the local outbox keeps a week's messages, one .eml per reader. */
export function outboxDir(state: State, week: string): string {
  return path.join(state.outboxDir, week);
}

/** Resend when RESEND_API_KEY is set, else the local outbox; Resend's SDK is loaded only then (a dry run never needs it). */
export async function transportFor(config: Config, outbox: string): Promise<Transport> {
  if (!config.resendApiKey) return new Outbox(outbox);
  const { ResendTransport } = await import('./resend.ts');
  return new ResendTransport({ apiKey: config.resendApiKey, baseUrl: config.resendBaseUrl });
}
