import type { SubscriberList } from '../subscribers/list.ts';
import type { SubscriberEvents } from '../subscribers/store.ts';
import { verifyConfirmToken } from '../subscribers/tokens.ts';
import { OptOuts } from './opt-outs.ts';

/** What a confirmation link is worth right now. */
export type LinkCheck =
  | { kind: 'valid'; email: string; issuedAt: Date }
  /** Forged, altered, expired, or for an address that never signed up. */
  | { kind: 'bad' }
  /** Genuine, but issued before the address's latest opt-out: only a new signup can bring them back. */
  | { kind: 'superseded'; email: string };

/** Pure: a verified token's worth, given whether the address is known and when it last opted out. */
export function judgeLink(token: { email: string; issuedAt: Date } | null, known: boolean, latestOptOut: number | null): LinkCheck {
  if (!token || !known) return { kind: 'bad' };
  if (latestOptOut !== null && token.issuedAt.getTime() <= latestOptOut) return { kind: 'superseded', email: token.email };
  return { kind: 'valid', ...token };
}

/**
 * Reads and completes confirmation links: a GET only looks, a POST activates. A link counts only if it was
 * issued after the address's latest opt-out.
 */
export class Confirmations {
  private readonly optOuts: OptOuts;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly secret: string,
    private readonly store: SubscriberEvents,
    private readonly list: () => Promise<SubscriberList>,
    private readonly now: () => Date,
  ) {
    this.optOuts = new OptOuts(store);
    // Read now, so the first click on a link does not wait for a long event store.
    this.optOuts.latestFor('').catch(() => undefined);
  }

  /** What the link is worth now; changes nothing. */
  async check(token: string | undefined): Promise<LinkCheck> {
    const verified = token ? verifyConfirmToken(this.secret, token, this.now()) : null;
    if (!verified) return { kind: 'bad' };
    const [everyone, latest] = await Promise.all([this.list(), this.optOuts.latestFor(verified.email)]);
    return judgeLink(verified, everyone.has(verified.email), latest);
  }

  /** Completes the double opt-in when the link is still valid; one at a time, so a check never races a confirm. */
  confirm(token: string | undefined): Promise<LinkCheck> {
    const done = this.turn.then(async () => {
      const check = await this.check(token);
      if (check.kind !== 'valid') return check;
      if ((await this.list()).get(check.email)?.status !== 'active') {
        await this.store.record({ type: 'opt-in', email: check.email, at: this.now().toISOString(), issued: check.issuedAt.toISOString() });
      }
      return check;
    });
    this.turn = done.catch(() => undefined);
    return done;
  }
}
