import { render } from '@react-email/render';
import { describe, expect, it } from 'vitest';
import ConfirmSubscription from '../../emails/ConfirmSubscription.tsx';
import WeeklyDigest, { type DigestProps } from '../../emails/WeeklyDigest.tsx';
import { cls } from '../../emails/_components/theme.ts';
import sampleIssue from '../../test/fixtures/hand-issue.json' with { type: 'json' };
import { Issue } from '../digest/schema.ts';

const props: DigestProps = { ...WeeklyDigest.PreviewProps, comparisons: Issue.parse(sampleIssue).comparisons };
const XSS = '<img src=x onerror=alert(1)>';

function withTagline(tagline: string): DigestProps {
  const comparisons = structuredClone(props.comparisons);
  comparisons[0]!.left.tagline = tagline;
  return { ...props, comparisons };
}

describe('WeeklyDigest', () => {
  it('has a fixture that is a valid Issue', () => {
    expect(() => Issue.parse(sampleIssue)).not.toThrow();
  });

  it('shows every tool, the panel verdicts, the pick and the split', async () => {
    const html = await render(<WeeklyDigest {...props} />);
    for (const c of props.comparisons) {
      expect(html).toContain(c.left.name);
      if (c.right) expect(html).toContain(c.right.name);
    }
    expect(html).toContain('Ship 75%');
    expect(html).toContain('3 ship / 1 skip');
    expect(html).toContain('Ship 100%');
    expect(html).toContain('Mixed 50%');
    expect(html).toContain('No community votes yet');
    expect(html).toContain('120 ship / 31 skip (79%)');
    expect(html).toContain('Pick: SmolVLM2');
    expect(html.match(/>Our pick</g)).toHaveLength(props.comparisons.filter((c) => c.right !== null && c.pick !== 'toss-up').length);
    expect(html).toContain('Widest gap: Founder, 26 points apart.');
    expect(html).toContain('from an earlier week');
    expect(html).toContain('listed on its own');
  });

  it('opens with the week at a glance, linked to each card, before the first card', async () => {
    const html = await render(<WeeklyDigest {...props} />);
    const glance = html.indexOf('This week at a glance');
    props.comparisons.forEach((_, i) => {
      expect(html.indexOf(`href="#verdict-${i + 1}"`)).toBeGreaterThan(glance);
      expect(html.indexOf(`href="#verdict-${i + 1}"`)).toBeLessThan(html.indexOf('id="verdict-1"'));
      expect(html).toContain(`id="verdict-${i + 1}"`);
    });
  });

  it("puts a reader's Ship it and Skip it links under each tool, and none without them", async () => {
    const slug = props.comparisons[0]!.left.slug;
    const votes = { [slug]: { ship: 'https://v.example/vote?token=ship-1', skip: 'https://v.example/vote?token=skip-1' } };
    const html = await render(<WeeklyDigest {...props} votes={votes} />);
    expect(html).toMatch(/href="https:\/\/v.example\/vote\?token=ship-1"[^>]*>Ship it</);
    expect(html).toMatch(/href="https:\/\/v.example\/vote\?token=skip-1"[^>]*>Skip it</);
    expect(await render(<WeeklyDigest {...props} votes={null} />)).not.toContain('Ship it');
  });

  it('carries the preheader, links and postal address', async () => {
    const html = await render(<WeeklyDigest {...props} />);
    expect(html).toContain(props.preheader);
    for (const href of Object.values(props.links)) expect(html).toContain(`href="${href}"`);
    expect(html).toContain(props.postalAddress);
  });

  it('is a self-contained, accessible email with a dark palette, under the clipping limit', async () => {
    const html = await render(<WeeklyDigest {...props} />);
    expect(html).toContain('lang="en"');
    expect(html).toContain('<meta name="color-scheme" content="light dark"/>');
    expect(html).not.toContain('light only');
    expect(html).toMatch(/@media \(prefers-color-scheme:dark\)\{/);
    expect(html).toContain('[data-ogsc] .v-text');
    expect(html).toMatch(/@media only screen and \(max-width:480px\)\{\s*\.v-col\{display:block!important/);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link[^>]+stylesheet/i);
    expect(html.match(/<h1[\s>]/g)).toHaveLength(1);
    expect(html.match(/<h2[\s>]/g)).toHaveLength(props.comparisons.length + 1);
    expect(Buffer.byteLength(html)).toBeLessThan(102 * 1024);
  });

  it('shows catalog text as characters, never as markup', async () => {
    const html = await render(<WeeklyDigest {...withTagline(XSS)} />);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<img/i);
  });

  it('never links a tool URL that is not http(s)', async () => {
    const comparisons = structuredClone(props.comparisons);
    comparisons[0]!.left.url = 'javascript:alert(1)';
    const html = await render(<WeeklyDigest {...props} comparisons={comparisons} />);
    expect(html).not.toContain('javascript:');
  });

  it('stays compact with five comparisons', async () => {
    const five = [...props.comparisons, ...props.comparisons].slice(0, 5);
    const html = await render(<WeeklyDigest {...props} comparisons={five} />);
    expect(Buffer.byteLength(html)).toBeLessThan(60 * 1024);
  });

  it('renders without a name, an intro or any shared reviewer', async () => {
    const comparisons = structuredClone(props.comparisons);
    comparisons[0]!.reviewerSplit = { rows: [], widest: null };
    const html = await render(<WeeklyDigest {...props} greetingName={null} intro={null} comparisons={comparisons} />);
    expect(html).not.toContain('Hi there');
    expect(html).not.toMatch(/>Hi /);
    expect(html).toContain('The two panels share no reviewer');
  });
});

describe('ConfirmSubscription', () => {
  it('follows the reader’s dark mode as the digest does', async () => {
    const html = await render(<ConfirmSubscription {...ConfirmSubscription.PreviewProps} />);
    expect(html).toContain('<meta name="color-scheme" content="light dark"/>');
    expect(html).not.toContain('light only');
    expect(html).toMatch(/@media \(prefers-color-scheme:dark\)\{/);
    for (const name of [cls.page, cls.card, cls.text, cls.muted, cls.link]) expect(html).toContain(`class="${name}"`);
  });
});
