import { Body, Container, Head, Heading, Html, Link, Preview, Section } from '@react-email/components';
import { type Comparison, Issue } from '../src/digest/schema.ts';
import { ComparisonCard } from './components/ComparisonCard.tsx';
import { Footer, type DigestLinks } from './components/Footer.tsx';
import { greeting, paragraphs } from './components/format.ts';
import { body, color, container, h1, link, page, small } from './components/theme.ts';
import previewProps from './fixtures/preview-props.json' with { type: 'json' };

/** Everything the digest shows. Every prop is required (nullable, never optional) so a missing value fails the typecheck instead of rendering "undefined". */
export type DigestProps = {
  /** e.g. "Week 46 · Nov 9–15, 2026" */
  weekLabel: string;
  /** Hidden preview text shown by the inbox after the subject; clients show at most ~150 characters. */
  preheader: string;
  greetingName: string | null;
  /** Editor's note, plain text; blank lines separate paragraphs. */
  intro: string | null;
  /** In issue order; the subscriber's category filter is applied before rendering. */
  comparisons: Comparison[];
  links: DigestLinks;
  postalAddress: string;
};

export default function WeeklyDigest({ weekLabel, preheader, greetingName, intro, comparisons, links, postalAddress }: DigestProps) {
  return (
    <Html lang="en">
      <Head>
        <meta name="color-scheme" content="light only" />
        <meta name="supported-color-schemes" content="light only" />
        <title>{`Weekly AI Tool Verdicts · ${weekLabel}`}</title>
      </Head>
      <Preview>{preheader}</Preview>
      <Body style={page}>
        <Container style={container}>
          <Section style={{ padding: '20px 12px 8px', backgroundColor: color.card }}>
            <p style={{ ...small, textAlign: 'right' }}>
              <Link href={links.viewInBrowser} style={link}>View in browser</Link>
            </p>
            <Heading as="h1" style={h1}>Weekly AI Tool Verdicts</Heading>
            <p style={{ ...small, fontSize: '14px' }}>{weekLabel}</p>
            <p style={body}>{greeting(greetingName)}</p>
            {intro === null ? null : paragraphs(intro).map((p, i) => <p key={i} style={body}>{p}</p>)}
          </Section>
          {comparisons.map((comparison, i) => <ComparisonCard key={i} comparison={comparison} />)}
          <Footer links={links} postalAddress={postalAddress} />
        </Container>
      </Body>
    </Html>
  );
}

// Built from the sample catalog's latest week by `npm run fixtures`, checked against the pipeline by src/sample.test.ts.
WeeklyDigest.PreviewProps = {
  ...previewProps,
  comparisons: Issue.shape.comparisons.parse(previewProps.comparisons),
} satisfies DigestProps;
