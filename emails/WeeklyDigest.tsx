import { Body } from '@react-email/body';
import { Container } from '@react-email/container';
import { Head } from '@react-email/head';
import { Heading } from '@react-email/heading';
import { Html } from '@react-email/html';
import { Link } from '@react-email/link';
import { Preview } from '@react-email/preview';
import { Section } from '@react-email/section';
import type { CSSProperties } from 'react';
import { type Comparison, Issue } from '../src/digest/schema.ts';
import { ComparisonCard } from './_components/ComparisonCard.tsx';
import type { VoteLinks } from './_components/Votes.tsx';
import { Footer, type DigestLinks } from './_components/Footer.tsx';
import { comparisonKey, decisiveness, glanceTitle, greeting, NEWSLETTER, paragraphs } from '../src/digest/wording.ts';
import { body, cls, color, container, emailCss, h1, h2, link, page, small } from './_components/theme.ts';
import fixture from './_fixtures/preview-props.json' with { type: 'json' };
import { previewPropsFor } from './_preview/live.ts';

/** Everything the digest shows. Every prop is required (nullable, never optional) so a missing value fails the typecheck instead of rendering "undefined". */
export type DigestProps = {
  /** e.g. "Week 46 · Nov 9–15, 2026" */
  weekLabel: string;
  /** Hidden preview text shown by the inbox after the subject; clients show at most ~150 characters. */
  preheader: string;
  /** The name to greet the reader by (see givenName); null: no greeting line. */
  greetingName: string | null;
  /** Editor's note, plain text; blank lines separate paragraphs. */
  intro: string | null;
  /** In issue order; the subscriber's category filter is applied before rendering. */
  comparisons: Comparison[];
  /** The reader's signed "Ship it" / "Skip it" links by tool slug; null in copies that are not one reader's. */
  votes: VoteLinks;
  links: DigestLinks;
  postalAddress: string;
};

/** The anchor of the i-th card, which the week at a glance links to. */
export const cardAnchor = (i: number) => `verdict-${i + 1}`;

const glanceItem: CSSProperties = { ...body, margin: '0 0 6px' };

/** The week at a glance: every comparison in one line, its pick and how decisive it is, linked to its card. */
function Glance({ comparisons }: { comparisons: Comparison[] }) {
  return (
    <Section id="glance" className={cls.card} style={{ padding: '4px 12px 12px', backgroundColor: color.card }}>
      <Heading as="h2" className={cls.text} style={{ ...h2, fontSize: '17px', lineHeight: '24px', margin: '8px 0 8px' }}>
        This week at a glance
      </Heading>
      {comparisons.map((comparison, i) => (
        <p key={comparisonKey(comparison)} className={cls.text} style={glanceItem}>
          {`${i + 1}. `}
          <Link href={`#${cardAnchor(i)}`} className={cls.link} style={{ ...link, fontWeight: 700 }}>
            {glanceTitle(comparison)}
          </Link>
          <span className={cls.muted} style={{ ...small, fontSize: '14px' }}>{` · ${decisiveness(comparison)}`}</span>
        </p>
      ))}
    </Section>
  );
}

export default function WeeklyDigest({ weekLabel, preheader, greetingName, intro, comparisons, votes, links, postalAddress }: DigestProps) {
  const hello = greeting(greetingName);
  return (
    <Html lang="en">
      <Head>
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <title>{`${NEWSLETTER} · ${weekLabel}`}</title>
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: trusted constant CSS from theme.ts, the only way to put a stylesheet in the head unescaped. */}
        <style dangerouslySetInnerHTML={{ __html: emailCss }} />
      </Head>
      <Preview>{preheader}</Preview>
      <Body className={cls.page} style={page}>
        <Container className={cls.card} style={container}>
          <Section className={cls.card} style={{ padding: '20px 12px 4px', backgroundColor: color.card }}>
            <p className={cls.muted} style={{ ...small, textAlign: 'right' }}>
              <Link href={links.viewInBrowser} className={cls.link} style={link}>
                View in browser
              </Link>
            </p>
            <Heading as="h1" className={cls.text} style={h1}>
              {NEWSLETTER}
            </Heading>
            <p className={cls.muted} style={{ ...small, fontSize: '14px' }}>
              {weekLabel}
            </p>
            {hello === null ? null : (
              <p className={cls.text} style={body}>
                {hello}
              </p>
            )}
            {intro === null
              ? null
              : paragraphs(intro).map((p) => (
                  <p key={p} className={cls.text} style={body}>
                    {p}
                  </p>
                ))}
          </Section>
          <Glance comparisons={comparisons} />
          {comparisons.map((comparison, i) => (
            <ComparisonCard key={comparisonKey(comparison)} comparison={comparison} anchor={cardAnchor(i)} votes={votes} />
          ))}
          <Footer links={links} postalAddress={postalAddress} />
        </Container>
      </Body>
    </Html>
  );
}

// Under `npm run dev`, the live catalog's latest week; else the fixture `npm run fixtures` builds from it, checked
// against the pipeline by src/sample.test.ts.
const previewProps = previewPropsFor('preview-props.json', fixture);
WeeklyDigest.PreviewProps = {
  ...previewProps,
  comparisons: Issue.shape.comparisons.parse(previewProps.comparisons),
} satisfies DigestProps;
