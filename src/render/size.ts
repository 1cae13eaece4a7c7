import type { Issue } from '../digest/schema.ts';
import type { SenderSettings } from '../mail.ts';
import { renderMessage } from './message.ts';

/** Gmail cuts a message whose HTML is larger than this behind "[Message clipped]", footer and unsubscribe link included. */
export const GMAIL_CLIP_BYTES = 102 * 1024;

/**
 * New tools one issue may carry before it is even paired: far more than fit under the clip, and few enough
 * that pairing and rendering stay quick. A week with more is refused before any work is done on it.
 */
export const MAX_NEW_TOOLS = 60;

// The reader with the largest message: every category, and a long address and name in the personal links.
const LARGEST_READER = { email: `${'r'.repeat(48)}@${'e'.repeat(40)}.example.com`, name: 'R'.repeat(40), categories: [] };

/** Bytes of the largest HTML message of the issue (the every-category reader's). */
export async function largestHtmlBytes(issue: Issue, settings: SenderSettings): Promise<number> {
  if (issue.comparisons.length === 0) return 0;
  const message = await renderMessage(issue, LARGEST_READER, settings);
  return message === null ? 0 : Buffer.byteLength(message.html);
}

export function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
