import { z } from 'zod';
import { UserError } from '../errors.ts';

export const SubscriberStatus = z.enum(['active', 'pending', 'unsubscribed', 'bounced', 'complained']);
export type SubscriberStatus = z.infer<typeof SubscriberStatus>;

/** An address as compared everywhere: trimmed and lowercased. */
export const Address = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ error: 'is not a valid email address' }));

/** The address a command-line argument gives, as compared everywhere, or one sentence naming the argument. */
export function argumentAddress(name: string, value: string): string {
  const parsed = Address.safeParse(value);
  if (!parsed.success) throw new UserError(`${name} "${value}" is not a valid email address.`);
  return parsed.data;
}

/** One reader as the next send sees them, after the list and every recorded event. */
export const Subscriber = z.object({
  email: Address,
  name: z.string().nullable(),
  /** Category names; empty means every category. */
  categories: z.array(z.string()),
  status: SubscriberStatus,
});
export type Subscriber = z.infer<typeof Subscriber>;

const at = z.iso.datetime();

/** A change recorded by the program, appended to the store and never lost. */
export const SubscriberEvent = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('add'),
    email: Address,
    name: z.string().nullable(),
    categories: z.array(z.string()),
    status: SubscriberStatus,
    at,
    source: z.string(),
  }),
  z.object({ type: z.literal('subscribe'), email: Address, name: z.string().nullable(), categories: z.array(z.string()), at }),
  z.object({ type: z.literal('confirm'), email: Address, at }),
  /** A completed double opt-in through a link issued at `issued`: activates the address whatever said otherwise before. */
  z.object({ type: z.literal('opt-in'), email: Address, at, issued: at }),
  z.object({ type: z.literal('preferences'), email: Address, categories: z.array(z.string()), at }),
  /** `subscribers add` on a reader already on the list: only the fields given change. */
  z.object({
    type: z.literal('update'),
    email: Address,
    name: z.string().nullable().optional(),
    categories: z.array(z.string()).optional(),
    at,
    source: z.string(),
  }),
  z.object({ type: z.literal('unsubscribe'), email: Address, at, source: z.string() }),
  z.object({ type: z.literal('bounce'), email: Address, at, detail: z.string().optional() }),
  z.object({ type: z.literal('complaint'), email: Address, at, detail: z.string().optional() }),
]);
export type SubscriberEvent = z.infer<typeof SubscriberEvent>;

// Shared by every reader of all categories, so a large list doesn't hold a million empty arrays. Never mutated.
const EVERY_CATEGORY: string[] = [];

/** `Developer Tools; Design` → the trimmed, non-empty names. */
export function parseCategories(text: string | undefined): string[] {
  if (!text?.trim()) return EVERY_CATEGORY;
  return text
    .split(';')
    .map((c) => c.trim())
    .filter((c) => c.length > 0);
}
