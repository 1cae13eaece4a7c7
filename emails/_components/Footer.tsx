import { Hr } from '@react-email/hr';
import { Link } from '@react-email/link';
import { Section } from '@react-email/section';
import type { ReactNode } from 'react';
import { NEWSLETTER } from '../../src/digest/wording.ts';
import { cls, color, link, small } from './theme.ts';

/** The reader's links in every digest. */
export type DigestLinks = { viewInBrowser: string; unsubscribe: string; preferences: string };

type Props = { links: DigestLinks; postalAddress: string };

/** The foot of every email we send: a rule, `children`, then the postal address bulk mail must carry. */
export function FooterSection({ postalAddress, children }: { postalAddress: string; children: ReactNode }) {
  return (
    <Section className={cls.card} style={{ padding: '8px 12px 20px', backgroundColor: color.card, color: color.muted }}>
      <Hr className={cls.border} style={{ borderTop: `1px solid ${color.border}`, margin: '0 0 16px' }} />
      {children}
      <p className={cls.muted} style={{ ...small, whiteSpace: 'pre-line' }}>
        {postalAddress}
      </p>
    </Section>
  );
}

/** Why the reader gets this, the one-click ways out, and the postal address. */
export function Footer({ links, postalAddress }: Props) {
  return (
    <FooterSection postalAddress={postalAddress}>
      <p className={cls.muted} style={small}>
        You get this email because you subscribed to {NEWSLETTER}.
      </p>
      <p className={cls.muted} style={small}>
        <Link href={links.unsubscribe} className={cls.link} style={link}>
          Unsubscribe
        </Link>
        {' · '}
        <Link href={links.preferences} className={cls.link} style={link}>
          Email preferences
        </Link>
        {' · '}
        <Link href={links.viewInBrowser} className={cls.link} style={link}>
          View in browser
        </Link>
      </p>
    </FooterSection>
  );
}
