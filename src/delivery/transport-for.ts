import path from 'node:path';
import type { Config } from '../config.ts';
import type { State } from '../state/stores.ts';
import { Outbox } from './outbox.ts';
import { ResendTransport } from './resend.ts';
import type { Transport } from './transport.ts';

/** Where the local outbox keeps a week's messages, one .eml per reader. */
export function outboxDir(state: State, week: string): string {
  return path.join(state.outboxDir, week);
}

/** Resend when RESEND_API_KEY is set, else the local outbox. */
export function transportFor(config: Config, outbox: string): Transport {
  return config.resendApiKey ? new ResendTransport({ apiKey: config.resendApiKey, baseUrl: config.resendBaseUrl }) : new Outbox(outbox);
}
