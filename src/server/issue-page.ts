import {
  categoryLine,
  communityLine,
  comparisonTitle,
  NEWSLETTER,
  panelLine,
  paragraphs,
  personaName,
  pickLine,
  pricingLine,
  quotedTakes,
  SOLO_NOTE,
  takeLine,
  webUrl,
  widestLine,
} from '../digest/wording.ts';
import type { CommunityVerdict, Comparison, Issue, Side } from '../digest/schema.ts';
import { html, raw, type SafeHtml } from './html.ts';
import { feedLink, layout, signupForm, type IssueSummary } from './pages.ts';

const ISSUE_STYLE = `
.comparison{border-top:1px solid var(--border);padding-top:.5rem;margin-top:1.5rem}
.sides{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:1rem}
.side{border:1px solid var(--border);border-radius:6px;padding:.75rem}
.side.picked{border:2px solid var(--accent)}
.side h3{margin:0 0 .25rem;font-size:1.05rem}
.side p{margin:.2rem 0}
.badge{display:inline-block;font-size:.75rem;font-weight:700;padding:0 .4rem;border-radius:4px;background:var(--accent);color:#fff;vertical-align:middle}
.pick{font-weight:700}
blockquote.take{margin:.5rem 0;padding:.5rem .75rem;border-left:3px solid var(--border);overflow-wrap:anywhere}
blockquote.take p{margin:0}
table.split{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
table.split th,table.split td{text-align:left;padding:.2rem .4rem;border-bottom:1px solid var(--border)}
nav.issues{display:flex;justify-content:space-between;gap:1rem;flex-wrap:wrap;margin:1.5rem 0 .5rem}
ol.toc{padding-left:1.2rem}
`;

/** What the archive page shows besides the issue: its neighbours, the signup categories and the community numbers as they stand. */
export interface IssuePageInput {
  issue: Issue;
  label: string;
  previous: IssueSummary | null;
  next: IssueSummary | null;
  categories: readonly string[];
  /** A side's community numbers now, reader votes included. */
  community: (side: Side) => CommunityVerdict;
}

function sideCard(side: Side, picked: boolean, community: CommunityVerdict): SafeHtml {
  const href = webUrl(side.url);
  return html`<div class="side${picked ? ' picked' : ''}">
<h3>${href ? html`<a href="${href}">${side.name}</a>` : side.name}${picked ? html` <span class="badge">Pick</span>` : ''}</h3>
<p>${side.tagline}</p>
<p class="meta">${categoryLine(side)}</p>
<p class="meta">Pricing: ${pricingLine(side.pricing)}</p>
<p>Panel: ${panelLine(side.panel)}</p>
<p>Community: ${communityLine(community)}</p>
</div>`;
}

/** What the reviewers said, as the email quotes it: the takes of the persona who splits the pair most. */
function reviewerQuotes(comparison: Comparison): SafeHtml {
  const takes = quotedTakes(comparison);
  if (takes === null) return html``;
  return html`<h3>What the reviewers said</h3>
<p class="meta">${takes.lead}</p>
${takes.quotes.map(
  (q) => html`<blockquote class="take"><p>“${q.text}”</p><p class="meta">${takes.persona} on ${q.side.name}, ${takeLine(q)}</p></blockquote>
`,
)}`;
}

function reviewerTable(comparison: Comparison): SafeHtml {
  const { left, right, reviewerSplit } = comparison;
  if (right === null || reviewerSplit.rows.length === 0) return html``;
  return html`<table class="split">
<thead><tr><th scope="col">Reviewer</th><th scope="col">${left.name}</th><th scope="col">${right.name}</th></tr></thead>
<tbody>${reviewerSplit.rows.map(
    (row) => html`
<tr><th scope="row">${personaName(row.persona)}</th><td>${takeLine(row.left)}</td><td>${takeLine(row.right)}</td></tr>`,
  )}
</tbody>
</table>
${widestLine(reviewerSplit) ? html`<p class="meta">${widestLine(reviewerSplit)}</p>` : ''}`;
}

function comparisonSection(comparison: Comparison, index: number, community: (side: Side) => CommunityVerdict): SafeHtml {
  const sides = comparison.right === null ? [comparison.left] : [comparison.left, comparison.right];
  return html`<section class="comparison" id="comparison-${index + 1}">
<h2>${comparisonTitle(comparison)}</h2>
${comparison.right === null ? html`<p class="meta">${SOLO_NOTE}</p>` : html`<p class="pick">${pickLine(comparison)}</p>`}
<p>${comparison.summary}</p>
<div class="sides">${sides.map((side) => sideCard(side, comparison.right !== null && side.slug === comparison.pick, community(side)))}</div>
${reviewerQuotes(comparison)}
${reviewerTable(comparison)}
</section>`;
}

function neighbours(previous: IssueSummary | null, next: IssueSummary | null): SafeHtml {
  return html`<nav class="issues" aria-label="Other issues">
<span>${previous ? html`<a href="/issues/${previous.week}" rel="prev">← ${previous.label}</a>` : ''}</span>
<span><a href="/issues">All issues</a></span>
<span>${next ? html`<a href="/issues/${next.week}" rel="next">${next.label} →</a>` : ''}</span>
</nav>`;
}

/** `/issues/<week>`: the issue for anyone on the web; unlike the email, no greeting and no personal link. */
export function issuePage(input: IssuePageInput): string {
  const { issue } = input;
  const title = `${NEWSLETTER}: ${input.label}`;
  return layout(
    title,
    html`${issue.intro === null ? '' : paragraphs(issue.intro).map((p) => html`<p>${p}</p>`)}
<ol class="toc">${issue.comparisons.map(
      (c, i) => html`
<li><a href="#comparison-${i + 1}">${comparisonTitle(c)}</a>: ${c.right === null ? 'new on its own' : pickLine(c)}</li>`,
    )}
</ol>
${issue.comparisons.map((c, i) => comparisonSection(c, i, input.community))}
${neighbours(input.previous, input.next)}
<h2>Get the next issue</h2>
${signupForm(input.categories)}`,
    { head: html`${feedLink}<style>${raw(ISSUE_STYLE)}</style>`, index: true },
  );
}
