import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Issue } from '../../src/digest/schema.ts';
import type { OutgoingEmail } from '../../src/mail.ts';
import { renderMessage } from '../../src/render/message.ts';
import { busiestWeek, PREVIEW_READER, PREVIEW_SETTINGS, sampleIssue } from '../../src/sample.ts';
import { launchChromium, SCREENSHOTS } from './support.ts';

/** Gmail clips a message whose HTML is larger than this. */
const CLIP_BYTES = 102 * 1024;
/** WCAG 2 AA for body text. */
const MIN_CONTRAST = 4.5;

type Scheme = 'light' | 'dark';

/** One text-bearing element whose contrast is below the minimum, described well enough to find it. */
interface LowContrast {
  text: string;
  tag: string;
  color: string;
  background: string;
  ratio: number;
}

interface Measure {
  scrollWidth: number;
  textElements: number;
  minContrast: number;
  lowContrast: LowContrast[];
  /** Short single words ("Reviewer", "Founder") that the layout split over two lines: a column squeezed too narrow. */
  brokenWords: string[];
}

/**
 * Runs in the page: for every visible element with text of its own, the WCAG contrast ratio of its color against
 * the background actually behind it (its own and its ancestors' backgrounds composited over `canvas`), and whether
 * a short one-word text was broken across lines.
 */
function measurePage(canvas: [number, number, number]): Measure {
  const rgba = (css: string): [number, number, number, number] => {
    const parts = /rgba?\(([^)]+)\)/
      .exec(css)?.[1]
      ?.split(/[\s,/]+/)
      .filter(Boolean)
      .map(Number);
    if (!parts || parts.length < 3) throw new Error(`unexpected color ${css}`);
    return [parts[0]!, parts[1]!, parts[2]!, parts[3] ?? 1];
  };
  const over = (top: [number, number, number, number], under: [number, number, number]): [number, number, number] =>
    [0, 1, 2].map((i) => top[3] * top[i]! + (1 - top[3]) * under[i]!) as [number, number, number];
  const luminance = (rgb: [number, number, number]) => {
    const [r, g, b] = rgb.map((v) => {
      const c = v / 255;
      return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const hex = (rgb: [number, number, number]) => `#${rgb.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;

  let minContrast = Infinity;
  let textElements = 0;
  const lowContrast: LowContrast[] = [];
  const brokenWords: string[] = [];
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const ownText = Array.from(el.childNodes)
      .filter((n) => n.nodeType === Node.TEXT_NODE)
      .map((n) => n.textContent ?? '')
      .join('')
      .trim();
    if (!ownText) continue;
    const box = el.getBoundingClientRect();
    if (!el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) || box.width === 0 || box.height === 0) continue;
    textElements += 1;
    for (const node of Array.from(el.childNodes)) {
      const word = node.nodeType === Node.TEXT_NODE ? (node.textContent ?? '').trim() : '';
      if (!word || /\s/.test(word) || word.length > 12) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      if (new Set(Array.from(range.getClientRects()).map((r) => Math.round(r.top))).size > 1) brokenWords.push(word);
    }
    const layers: [number, number, number, number][] = [];
    for (let node: Element | null = el; node; node = node.parentElement) layers.push(rgba(getComputedStyle(node).backgroundColor));
    const background = layers.reverse().reduce((under, layer) => over(layer, under), canvas);
    const color = over(rgba(getComputedStyle(el).color), background);
    const [light, dark] = [luminance(color), luminance(background)].sort((a, b) => b - a);
    const ratio = (light! + 0.05) / (dark! + 0.05);
    minContrast = Math.min(minContrast, ratio);
    if (ratio < 4.5)
      lowContrast.push({
        text: ownText.slice(0, 60),
        tag: el.tagName.toLowerCase(),
        color: hex(color),
        background: hex(background),
        ratio: Math.round(ratio * 100) / 100,
      });
  }
  return {
    scrollWidth: document.documentElement.scrollWidth,
    textElements,
    minContrast: Math.round(minContrast * 100) / 100,
    lowContrast,
    brokenWords,
  };
}

let browser: Browser;
let issue: Issue;
let message: OutgoingEmail;
const measures: Record<string, Measure & { width: number; scheme: Scheme }> = {};

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  issue = await sampleIssue('data', busiestWeek);
  message = (await renderMessage(issue, PREVIEW_READER, PREVIEW_SETTINGS))!;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  const rows = Object.entries(measures).map(
    ([name, m]) => `${name}: scrollWidth ${m.scrollWidth}px, ${m.textElements} text elements, min contrast ${m.minContrast}:1`,
  );
  const min = Math.min(...Object.values(measures).map((m) => m.minContrast));
  console.log(`${issue?.week}: HTML ${Buffer.byteLength(message?.html ?? '')} bytes, min contrast ${min}:1\n${rows.join('\n')}`);
});

/** The digest in a fresh page `width` px wide, with every request refused and recorded: an email loads nothing. */
async function open(width: number, scheme: Scheme): Promise<{ page: Page; requests: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const requests: string[] = [];
  await page.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.abort();
  });
  await page.emulateMedia({ colorScheme: scheme });
  await page.setContent(message.html, { waitUntil: 'load' });
  return { page, requests };
}

describe("the digest of the sample catalog's busiest week", () => {
  it('is the full issue, for a reader of every category', () => {
    expect(issue.week).toBe('2026-W46');
    expect(issue.comparisons.length).toBeGreaterThanOrEqual(5);
    // One h2 per comparison, and the week at a glance.
    expect(message.html.match(/<h2[\s>]/g)).toHaveLength(issue.comparisons.length + 1);
  });

  it.each([
    [375, 'stacked'],
    [600, 'side by side'],
  ] as const)('at %i px the two tools of every comparison stand %s, with no sideways scroll', async (width, layout) => {
    const { page } = await open(width, 'light');
    try {
      const cards = await page.evaluate(() =>
        Array.from(document.querySelectorAll('.v-comparison')).map((card) => {
          const names = Array.from(card.querySelectorAll('.v-tool')).map((h) => h.getBoundingClientRect());
          return names.map((r) => ({
            top: Math.round(r.top),
            bottom: Math.round(r.bottom),
            left: Math.round(r.left),
            right: Math.round(r.right),
          }));
        }),
      );
      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(scrollWidth).toBeLessThanOrEqual(width);
      const pairs = cards.filter((names) => names.length === 2);
      expect(pairs.length).toBeGreaterThanOrEqual(5);
      for (const [left, right] of pairs) {
        if (layout === 'stacked') {
          expect(right!.top).toBeGreaterThanOrEqual(left!.bottom);
        } else {
          expect(right!.top).toBe(left!.top);
          expect(right!.left).toBeGreaterThanOrEqual(left!.right);
        }
      }
    } finally {
      await page.close();
    }
  });

  it('under dark mode paints a dark reading area', async () => {
    const { page } = await open(375, 'dark');
    try {
      const backgrounds = await page.evaluate(() =>
        ['.v-page', '.v-page>table>tbody>tr>td', '.v-comparison', '#glance'].map(
          (s) => getComputedStyle(document.querySelector(s)!).backgroundColor,
        ),
      );
      for (const background of backgrounds) {
        const [r, g, b] = background.match(/\d+/g)!.map(Number);
        expect(Math.max(r!, g!, b!), background).toBeLessThan(60);
      }
    } finally {
      await page.close();
    }
  });

  it('leads with every pick in the week at a glance, before the first card, each linked to its card', async () => {
    const { page } = await open(375, 'light');
    try {
      const glance = await page.evaluate(() => {
        const block = document.querySelector('#glance')!;
        const first = document.querySelector('.v-comparison')!;
        return {
          text: block.textContent ?? '',
          before:
            Boolean(block.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING) &&
            block.getBoundingClientRect().bottom <= first.getBoundingClientRect().top,
          targets: Array.from(block.querySelectorAll('a[href^="#"]')).map(
            (a) => document.getElementById(a.getAttribute('href')!.slice(1))?.className ?? null,
          ),
        };
      });
      expect(glance.before).toBe(true);
      expect(glance.targets).toHaveLength(issue.comparisons.length);
      for (const target of glance.targets) expect(target).toContain('v-comparison');
      for (const c of issue.comparisons) {
        const picked = [c.left, c.right].find((s) => s?.slug === c.pick);
        if (c.right && picked) expect(glance.text).toContain(picked.name);
      }
    } finally {
      await page.close();
    }
  });

  it('quotes the takes of the persona who splits each pair most, for both tools', async () => {
    const { page } = await open(600, 'light');
    try {
      const cards = await page.evaluate(() =>
        Array.from(document.querySelectorAll('.v-comparison')).map((card) =>
          Array.from(card.querySelectorAll('.v-take')).map((q) => q.textContent ?? ''),
        ),
      );
      let quoted = 0;
      issue.comparisons.forEach((c, i) => {
        const takes = [c.left, c.right].map((side) => side?.takes.find((t) => t.persona === c.reviewerSplit.widest)?.take);
        if (!c.right || !takes[0] || !takes[1]) return;
        quoted += 1;
        expect(cards[i]).toHaveLength(2);
        takes.forEach((take, k) => {
          const shown = /“(.*)”/s.exec(cards[i]![k]!)![1]!;
          expect(take!.startsWith(shown.replace(/…$/, ''))).toBe(true);
          expect(cards[i]![k]).toMatch(/Founder|Builder|Skeptic|Futurist|Creator/);
        });
      });
      expect(quoted).toBeGreaterThanOrEqual(4);
      expect(cards.flat().some((q) => q.includes('…”'))).toBe(true);
    } finally {
      await page.close();
    }
  });

  describe.each([600, 375])('at %i px wide', (width) => {
    it.each<Scheme>(['light', 'dark'])(
      'in %s mode: fits the width without breaking words, loads nothing, keeps text at 4.5:1',
      async (scheme) => {
        const { page, requests } = await open(width, scheme);
        try {
          const canvas: [number, number, number] = scheme === 'dark' ? [18, 18, 18] : [255, 255, 255];
          const measure = await page.evaluate(measurePage, canvas);
          measures[`${width}px ${scheme}`] = { ...measure, width, scheme };
          await page.screenshot({ path: path.join(SCREENSHOTS, `digest-${width}-${scheme}.png`), fullPage: true });

          expect(requests).toEqual([]);
          expect(measure.scrollWidth).toBeLessThanOrEqual(width);
          expect(measure.brokenWords).toEqual([]);
          expect(measure.textElements).toBeGreaterThan(100);
          expect(measure.lowContrast).toEqual([]);
          expect(measure.minContrast).toBeGreaterThanOrEqual(MIN_CONTRAST);
        } finally {
          await page.close();
        }
      },
    );
  });

  it('is one self-contained, accessible document under the clipping limit', async () => {
    expect(Buffer.byteLength(message.html)).toBeLessThan(CLIP_BYTES);
    const { page } = await open(600, 'light');
    try {
      const doc = await page.evaluate(() => ({
        lang: document.documentElement.lang,
        stylesheets: document.querySelectorAll('link[rel~="stylesheet" i]').length,
        scripts: document.querySelectorAll('script').length,
        handlers: Array.from(document.querySelectorAll('*')).flatMap((el) => el.getAttributeNames().filter((a) => a.startsWith('on'))),
        imagesWithoutAlt: Array.from(document.images)
          .filter((img) => !img.hasAttribute('alt'))
          .map((img) => img.src),
        headings: Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6')).map((h) => Number(h.tagName[1])),
      }));
      expect(doc.lang).toBe('en');
      expect(doc.stylesheets).toBe(0);
      expect(doc.scripts).toBe(0);
      expect(doc.handlers).toEqual([]);
      expect(doc.imagesWithoutAlt).toEqual([]);
      expect(doc.headings.filter((level) => level === 1)).toHaveLength(1);
      expect(doc.headings[0]).toBe(1);
      const skips = doc.headings.flatMap((level, i) =>
        i > 0 && level > doc.headings[i - 1]! + 1 ? [`h${doc.headings[i - 1]} then h${level}`] : [],
      );
      expect(skips).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it('has a plain-text part without markup that lists every link of the HTML', async () => {
    const { page } = await open(600, 'light');
    let hrefs: string[];
    try {
      hrefs = await page.evaluate(() => Array.from(document.querySelectorAll('a[href]')).map((a) => a.getAttribute('href')!));
    } finally {
      await page.close();
    }
    expect(hrefs.length).toBeGreaterThan(3);
    // In-page anchors (the week at a glance) have no place in plain text; every real link does.
    for (const href of new Set(hrefs.filter((h) => !h.startsWith('#')))) expect(message.text).toContain(href);
    for (const link of [/\/unsubscribe\?token=/, /\/preferences\?token=/, /\/issues\/2026-W46/]) expect(message.text).toMatch(link);

    // Catalog text is shown as written (a tagline may read "<b>x</b>"), so it is taken out before looking for markup.
    const catalogText = issue.comparisons.flatMap((c) => [
      c.summary,
      ...[c.left, c.right].flatMap((s) => (s ? [s.name, s.tagline, s.category, s.pricing.details ?? ''] : [])),
    ]);
    let rest = message.text.replace(/\s+/g, ' ');
    for (const field of catalogText.filter(Boolean).sort((a, b) => b.length - a.length))
      rest = rest.replaceAll(field.replace(/\s+/g, ' '), '');
    expect(rest).not.toMatch(/<\/?[a-z][^<>]*>/i);
    expect(rest).not.toMatch(/&(#\d+|#x[0-9a-f]+|[a-z]+);/i);
    expect(rest).not.toMatch(/\b(style|href|class)=/i);
  });
});
