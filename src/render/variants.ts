import { render } from '@react-email/render';
import { createElement } from 'react';
import WeeklyDigest from '../../emails/WeeklyDigest.tsx';
import { categoryKey } from '../catalog/schema.ts';
import type { Issue } from '../digest/schema.ts';
import type { OutgoingEmail, Pieces, Recipient, SenderSettings } from '../mail.ts';
import { givenName } from '../digest/wording.ts';
import { signVoteToken, type VoteChoice } from '../subscribers/tokens.ts';
import { digestLinks, digestProps, messageFrom, readerTokens, renderMessage, toolSlugs, unsubscribeHeaders } from './message.ts';
import { at, present } from '../invariant.ts';

// Letters and digits only, so React's escaping leaves them as they are and they can be found in its output.
const NAME = 'WatvPlaceholderName';
const UNSUBSCRIBE = 'WatvPlaceholderUnsubscribe';
const PREFERENCES = 'WatvPlaceholderPreferences';
/** `WatvPlaceholderVoteShip3x`: the reader's token for "ship" on the variant's fourth tool; the x ends the number. */
const vote = (choice: 'Ship' | 'Skip', i: number) => `WatvPlaceholderVote${choice}${i}x`;
// Captured, so splitting a text around the placeholders keeps them.
const PLACEHOLDER = new RegExp(`(${NAME}|${UNSUBSCRIBE}|${PREFERENCES}|WatvPlaceholderVote(?:Ship|Skip)\\d+x)`);

/** What React's server renderer writes for text and attribute values. */
function escapeLikeReact(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#x27;' })[c] ?? c);
}

/** Text split around its placeholders: text, placeholder, text, placeholder, ..., text. */
type Template = string[];

/** A message with the reader's parts left as placeholders, its bodies split once so each reader's copy is only concatenated. */
type Variant = Omit<OutgoingEmail, 'to' | 'headers' | 'html' | 'text'> & {
  html: Template;
  text: Template;
  /** The tool and choice of each vote placeholder. */
  votes: ReadonlyMap<string, { slug: string; choice: VoteChoice }>;
};

const templateOf = (text: string): Template => text.split(PLACEHOLDER);

/**
 * Renders the digest once per variant (the same categories, with or without a name) and fills in each
 * reader's name and signed links afterwards. The result is byte for byte what `renderMessage` gives.
 */
export class DigestRenderer {
  private readonly variants = new Map<string, Promise<Variant | null>>();
  /** A catalog that happens to contain a placeholder would be corrupted by substitution, so it is rendered directly. */
  private readonly safe: boolean;

  constructor(
    private readonly issue: Issue,
    private readonly settings: SenderSettings,
  ) {
    this.safe = !/WatvPlaceholder/i.test(JSON.stringify(issue) + JSON.stringify(settings));
  }

  /** The reader's message, or null when none of the issue's comparisons is in their categories. */
  async render(recipient: Recipient, options: { test?: boolean } = {}): Promise<OutgoingEmail | null> {
    const message = await this.renderWithPieces(recipient, options);
    if (message === null) return null;
    const { pieces: _pieces, ...rest } = message;
    return rest;
  }

  /** `render`'s message, with its bodies' pieces when it was filled in from a variant. */
  async renderWithPieces(recipient: Recipient, options: { test?: boolean } = {}): Promise<OutgoingEmail | null> {
    if (!this.safe) return renderMessage(this.issue, recipient, this.settings, options);
    const name = givenName(recipient.name);
    const variant = await this.variant(recipient.categories, name !== null);
    if (variant === null) return null;
    const tokens = readerTokens(this.settings.secret, recipient.email);
    const votes = new Map<string, string>();
    const voteToken = (p: string) => {
      let token = votes.get(p);
      if (token === undefined) {
        const { slug, choice } = present(variant.votes.get(p), `the vote placeholder ${p}`);
        token = signVoteToken(this.settings.secret, { email: recipient.email, week: this.issue.week, slug, choice });
        votes.set(p, token);
      }
      return token;
    };
    // Concatenation, not join: V8 keeps the result as a rope over the shared parts until something reads it whole.
    const fill = (template: Template, name: string): [string, Pieces] => {
      let text = at(template, 0);
      const fills: string[] = [];
      for (let i = 1; i < template.length; i += 2) {
        const p = at(template, i);
        const value = p === NAME ? name : p === UNSUBSCRIBE ? tokens.unsubscribe : p === PREFERENCES ? tokens.preferences : voteToken(p);
        fills.push(value);
        text += value + at(template, i + 1);
      }
      return [text, { template, fills }];
    };
    const [html, htmlPieces] = fill(variant.html, escapeLikeReact(name ?? ''));
    const [text, textPieces] = fill(variant.text, name ?? '');
    return {
      to: recipient.email,
      from: variant.from,
      subject: options.test ? `[TEST] ${variant.subject}` : variant.subject,
      html,
      text,
      headers: unsubscribeHeaders(digestLinks(this.settings, this.issue.week, tokens).unsubscribe),
      pieces: { html: htmlPieces, text: textPieces },
    };
  }

  private variant(categories: readonly string[], named: boolean): Promise<Variant | null> {
    const key = `${named ? '+' : '-'}${[...new Set(categories.map(categoryKey))].sort().join(';')}`;
    let variant = this.variants.get(key);
    if (!variant) {
      variant = this.renderVariant(categories, named);
      this.variants.set(key, variant);
    }
    return variant;
  }

  private async renderVariant(categories: readonly string[], named: boolean): Promise<Variant | null> {
    const reader = { email: '', name: named ? NAME : null, categories: [...categories] };
    const props = digestProps(this.issue, reader, this.settings);
    if (props === null) return null;
    props.links = digestLinks(this.settings, this.issue.week, { unsubscribe: UNSUBSCRIBE, preferences: PREFERENCES });
    const slugs = toolSlugs(props.comparisons);
    const base = `${this.settings.publicUrl}/vote?token=`;
    props.votes = Object.fromEntries(slugs.map((slug, i) => [slug, { ship: base + vote('Ship', i), skip: base + vote('Skip', i) }]));
    const {
      to: _to,
      headers: _headers,
      html,
      text,
      ...variant
    } = messageFrom(props, reader, this.settings, await render(createElement(WeeklyDigest, props)));
    const votes = new Map<string, { slug: string; choice: VoteChoice }>();
    for (const [i, slug] of slugs.entries())
      votes.set(vote('Ship', i), { slug, choice: 'ship' }).set(vote('Skip', i), { slug, choice: 'skip' });
    return { ...variant, html: templateOf(html), text: templateOf(text), votes };
  }
}
