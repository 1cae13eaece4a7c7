import { Body } from '@react-email/body';
import { Container } from '@react-email/container';
import { Head } from '@react-email/head';
import { Html } from '@react-email/html';
import { Section } from '@react-email/section';
import type { ReactNode } from 'react';
import { NEWSLETTER } from '../../src/digest/wording.ts';
import { cls, color, container, emailCss, page } from '../_components/theme.ts';

/** The digest's page and 600 px column around one component, so a component preview looks as it does in the email. */
export function PreviewFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Html lang="en">
      <Head>
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: trusted constant CSS from theme.ts, the only way to put a stylesheet in the head unescaped. */}
        <style dangerouslySetInnerHTML={{ __html: emailCss }} />
        <title>{`${title} · ${NEWSLETTER}`}</title>
      </Head>
      <Body className={cls.page} style={page}>
        <Container className={cls.card} style={container}>
          {children}
        </Container>
      </Body>
    </Html>
  );
}

/** A padded card for a component that has no card of its own. */
export function PreviewCard({ children }: { children: ReactNode }) {
  return (
    <Section className={cls.card} style={{ padding: '16px 12px', backgroundColor: color.card, color: color.text }}>
      {children}
    </Section>
  );
}
