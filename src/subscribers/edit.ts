import { categoryKey } from '../catalog/schema.ts';
import { UserError } from '../errors.ts';
import { quoted } from '../plain-text.ts';
import type { Subscriber, SubscriberEvent } from './schema.ts';
import { got } from '../invariant.ts';

/**
 * Categories as the catalog spells them; a name the catalog doesn't have is refused, naming it and the
 * known ones, since a reader of a misspelt category would silently get nothing. `field` says where the
 * names came from (`--categories`, or a file's line), `after` ends the sentence.
 */
export function catalogCategories(
  given: readonly string[],
  known: readonly string[],
  where: string,
  { field = '--categories', after = '' } = {},
): string[] {
  const byKey = new Map(known.map((c) => [categoryKey(c), c.trim()] as const));
  const unknown = given.filter((c) => !byKey.has(categoryKey(c)));
  if (unknown.length > 0) {
    const list = [...new Set(byKey.values())].sort((a, b) => a.localeCompare(b, 'en'));
    const names = unknown.map(quoted).join(', ');
    throw new UserError(
      `${field} ${names} ${unknown.length === 1 ? 'is not a category' : 'are not categories'} of ${where}; the known ones are: ${list.join(', ')}${after}.`,
    );
  }
  return [...new Set(given.map((c) => got(byKey, categoryKey(c))))];
}

export interface AddRequest {
  email: string;
  /** Absent: left as it is. */
  name?: string;
  /** Absent: left as it is; [] means every category. */
  categories?: string[];
  at: string;
}

/** What `subscribers add` records and says: a new reader is added active; a known one changes only what the flags name. */
export function planAdd(known: Subscriber | undefined, request: AddRequest): { event: SubscriberEvent | null; message: string } {
  const { email, at } = request;
  if (!known) {
    return {
      event: {
        type: 'add',
        email,
        name: request.name ?? null,
        categories: request.categories ?? [],
        status: 'active',
        at,
        source: 'cli add',
      },
      message: `Added ${email} (active, ${describeCategories(request.categories ?? [])}).`,
    };
  }
  if (known.status !== 'active' && known.status !== 'pending') {
    throw new UserError(`${email} is ${known.status}; they must subscribe again themselves (signup form) before they get mail.`);
  }
  const changes: string[] = [];
  if (request.name !== undefined && request.name !== known.name) changes.push(`name "${request.name}"`);
  const sameCategories = request.categories !== undefined && JSON.stringify(request.categories) === JSON.stringify(known.categories);
  if (request.categories !== undefined && !sameCategories) changes.push(describeCategories(request.categories));
  const pending =
    known.status === 'pending' ? ` It stays pending: ${email} has not confirmed the signup, so it gets no mail until it does.` : '';
  if (changes.length === 0)
    return { event: null, message: `${email} is already on the list (${known.status}); nothing changed.${pending}` };
  return {
    event: {
      type: 'update',
      email,
      ...(request.name !== undefined ? { name: request.name } : {}),
      ...(request.categories !== undefined ? { categories: request.categories } : {}),
      at,
      source: 'cli add',
    },
    message: `Updated ${email}: ${changes.join(', ')}; everything else is as it was.${pending}`,
  };
}

function describeCategories(categories: readonly string[]): string {
  return categories.length === 0 ? 'every category' : `categories ${categories.join('; ')}`;
}

/** What `subscribers unsubscribe` says. The opt-out is recorded in every case, so a later import or add can't mail the address. */
export function unsubscribeMessage(known: Subscriber | undefined, email: string): string {
  if (!known) return `${email} was not on the list; recorded the opt-out anyway, so no later import or add mails it.`;
  if (known.status === 'unsubscribed') return `${email} was already unsubscribed; it stays so.`;
  return `Unsubscribed ${email} (was ${known.status}); no later send mails it.`;
}
