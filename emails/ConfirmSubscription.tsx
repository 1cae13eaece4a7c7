import { Body } from '@react-email/body';
import { Container } from '@react-email/container';
import { Head } from '@react-email/head';
import { Heading } from '@react-email/heading';
import { Html } from '@react-email/html';
import { Link } from '@react-email/link';
import { Preview } from '@react-email/preview';
import { Section } from '@react-email/section';
import type { CSSProperties } from 'react';
import { NEWSLETTER } from '../src/digest/wording.ts';
import { FooterSection } from './_components/Footer.tsx';
import { body, cls, color, container, emailCss, h1, link, page, small } from './_components/theme.ts';
import fixture from './_fixtures/confirm-props.json' with { type: 'json' };
import { previewPropsFor } from './_preview/live.ts';

/** The double opt-in email. Every prop is required, so a missing value fails the typecheck. */
export type ConfirmSubscriptionProps = {
  /** The signed, expiring `/confirm?token=...` link. */
  confirmUrl: string;
  /** How long the link works, in days. */
  expiresInDays: number;
  /** The signup page, for someone who did not ask for this. */
  homeUrl: string;
  postalAddress: string;
};

const button: CSSProperties = {
  display: 'inline-block',
  padding: '12px 20px',
  borderRadius: '4px',
  backgroundColor: color.link,
  color: '#ffffff',
  fontSize: '16px',
  fontWeight: 700,
  textDecoration: 'none',
};

export default function ConfirmSubscription({ confirmUrl, expiresInDays, homeUrl, postalAddress }: ConfirmSubscriptionProps) {
  return (
    <Html lang="en">
      <Head>
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <title>{`Confirm your subscription · ${NEWSLETTER}`}</title>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: trusted constant CSS from theme.ts, the only way to put a stylesheet in the head unescaped. */}
        <style dangerouslySetInnerHTML={{ __html: emailCss }} />
      </Head>
      <Preview>One click to start getting the weekly AI tool verdicts.</Preview>
      <Body className={cls.page} style={page}>
        <Container className={cls.card} style={container}>
          <Section className={cls.card} style={{ padding: '20px 12px', backgroundColor: color.card }}>
            <Heading as="h1" className={cls.text} style={h1}>
              Confirm your subscription
            </Heading>
            <p className={cls.text} style={body}>
              Someone, hopefully you, asked to get {NEWSLETTER} at this address: one email a week with head-to-head comparisons of the new
              AI tools.
            </p>
            <p className={cls.text} style={body}>
              <Link href={confirmUrl} style={button}>
                Yes, subscribe me
              </Link>
            </p>
            <p
              className={cls.muted}
              style={small}
            >{`The link works for ${expiresInDays} days. If it doesn't open, paste this address into your browser:`}</p>
            <p className={cls.muted} style={small}>
              <Link href={confirmUrl} className={cls.link} style={link}>
                {confirmUrl}
              </Link>
            </p>
            <p className={cls.text} style={body}>
              Didn't ask for this? Ignore this email: without the click, you get nothing more from us.
            </p>
          </Section>
          <FooterSection postalAddress={postalAddress}>
            <p className={cls.muted} style={small}>
              <Link href={homeUrl} className={cls.link} style={link}>
                {NEWSLETTER}
              </Link>
            </p>
          </FooterSection>
        </Container>
      </Body>
    </Html>
  );
}

// What the signup flow sends a preview reader (live under `npm run dev`, else built by `npm run fixtures`), checked by src/sample.test.ts.
ConfirmSubscription.PreviewProps = previewPropsFor('confirm-props.json', fixture) satisfies ConfirmSubscriptionProps;
