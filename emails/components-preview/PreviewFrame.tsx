import { Body, Container, Head, Html, Section } from '@react-email/components';
import type { ReactNode } from 'react';
import { color, container, page } from '../components/theme.ts';

/** The digest's page and 600 px column around one component, so a component preview looks as it does in the email. */
export function PreviewFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Html lang="en">
      <Head>
        <meta name="color-scheme" content="light only" />
        <meta name="supported-color-schemes" content="light only" />
        <title>{`${title} · Weekly AI Tool Verdicts`}</title>
      </Head>
      <Body style={page}>
        <Container style={container}>{children}</Container>
      </Body>
    </Html>
  );
}

/** A padded card for a component that has no card of its own. */
export function PreviewCard({ children }: { children: ReactNode }) {
  return <Section style={{ padding: '16px 12px', backgroundColor: color.card, color: color.text }}>{children}</Section>;
}
