import { Hr, Link, Section } from '@react-email/components';
import { color, link, small } from './theme.ts';

/** The reader's links in every digest. */
export type DigestLinks = { viewInBrowser: string; unsubscribe: string; preferences: string };

type Props = { links: DigestLinks; postalAddress: string };

/** Why the reader gets this, the one-click ways out, and the postal address bulk mail must carry. */
export function Footer({ links, postalAddress }: Props) {
  return (
    <Section style={{ padding: '8px 12px 20px', backgroundColor: color.card, color: color.muted }}>
      <Hr style={{ borderTop: `1px solid ${color.border}`, margin: '0 0 16px' }} />
      <p style={small}>You get this email because you subscribed to Weekly AI Tool Verdicts.</p>
      <p style={small}>
        <Link href={links.unsubscribe} style={link}>Unsubscribe</Link>
        {' · '}
        <Link href={links.preferences} style={link}>Email preferences</Link>
        {' · '}
        <Link href={links.viewInBrowser} style={link}>View in browser</Link>
      </p>
      <p style={{ ...small, whiteSpace: 'pre-line' }}>{postalAddress}</p>
    </Section>
  );
}
