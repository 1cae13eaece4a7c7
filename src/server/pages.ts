import { NEWSLETTER } from '../digest/wording.ts';
import { categoryKey } from '../catalog/schema.ts';
import type { SubscriberStatus } from '../subscribers/schema.ts';
import { html, raw, type SafeHtml } from './html.ts';

/** Pure page renderers: data in, a complete HTML document out. No scripts, no external assets. */

/** One past issue as the index lists it. */
export interface IssueSummary {
  week: string;
  /** e.g. "Week 46 · Nov 9–15, 2026" */
  label: string;
  /** "SmolLM3 vs SmolVLM2", one per comparison. */
  titles: string[];
}

/** What the signup form was sent with, to show it again after a mistake. */
export interface SignupValues {
  email: string;
  name: string;
  categories: string[];
}

const STYLE = `
:root{color-scheme:light dark;--fg:#1f2937;--muted:#4b5563;--bg:#f3f4f6;--card:#fff;--link:#1d4ed8;--border:#d1d5db;--accent:#1d4ed8;--error:#991b1b}
@media (prefers-color-scheme:dark){:root{--fg:#e5e7eb;--muted:#cbd5e1;--bg:#111827;--card:#1f2937;--link:#93c5fd;--border:#4b5563;--accent:#2563eb;--error:#fca5a5}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 -apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}
header,main{max-width:40rem;margin:0 auto;padding:1rem}
header a{font-weight:700;color:var(--fg);text-decoration:none}
main{background:var(--card);border:1px solid var(--border);border-radius:8px;margin-bottom:2rem}
h1{font-size:1.6rem;line-height:1.25;margin:.25rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
a{color:var(--link)}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
fieldset{border:1px solid var(--border);border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
legend{font-weight:600;padding:0 .25rem}
fieldset label{display:flex;gap:.5rem;align-items:center;font-weight:400;margin:.35rem 0}
input[type=email],input[type=text]{width:100%;padding:.5rem;font:inherit;color:inherit;background:var(--card);border:1px solid var(--muted);border-radius:4px}
input[type=checkbox]{width:1.1rem;height:1.1rem}
button{font:inherit;font-weight:600;padding:.55rem 1.1rem;border:0;border-radius:4px;background:var(--accent);color:#fff;cursor:pointer}
button.secondary{background:transparent;color:var(--link);border:1px solid var(--link)}
:focus-visible{outline:3px solid var(--link);outline-offset:2px}
.hint,.meta{color:var(--muted);font-size:.9rem}
.notice{border-left:4px solid var(--accent);padding:.25rem .75rem}
.error{border-left:4px solid var(--error);padding:.25rem .75rem;color:var(--error)}
ul.issues{padding-left:1.2rem}
ul.issues li{margin:.4rem 0}
`;

/** Where the feed of sent issues is served. */
export const FEED_PATH = '/feed.xml';

/** The `<link rel="alternate">` that lets a feed reader find the feed from a page. */
export const feedLink = html`<link rel="alternate" type="application/rss+xml" title="${NEWSLETTER}" href="${FEED_PATH}">`;

/** The document around every page: language, viewport, title and one `h1`. Only public pages (`index`) may be indexed. */
export function layout(title: string, body: SafeHtml, options: { head?: SafeHtml; index?: boolean } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${options.index ? '' : html`<meta name="robots" content="noindex">`}
<title>${title === NEWSLETTER || title.startsWith(`${NEWSLETTER}:`) ? title : `${title} · ${NEWSLETTER}`}</title>
<style>${raw(STYLE)}</style>
${options.head ?? ''}
</head>
<body>
<header><a href="/">${NEWSLETTER}</a></header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`.toString();
}

function issueList(issues: readonly IssueSummary[]): SafeHtml {
  if (issues.length === 0) return html`<p>No issues yet.</p>`;
  return html`<ul class="issues">${issues.map(
    (i) => html`
<li><a href="/issues/${i.week}">${i.label}</a><br><span class="meta">${i.titles.join(' · ')}</span></li>`,
  )}
</ul>`;
}

/**
 * The category boxes, as the signup and preferences forms both show them: a reader of every category (saved as
 * none, so new categories come too) sees every box checked, and checking every box saves that.
 */
function categoryFieldset(legend: string, categories: readonly string[], chosen: readonly string[]): SafeHtml {
  const keys = new Set(chosen.map(categoryKey));
  const checked = (category: string) => keys.size === 0 || keys.has(categoryKey(category));
  return html`<fieldset>
<legend>${legend}</legend>
<p class="hint">Every box checked means every category, including new ones.</p>${categories.map(
    (category, i) => html`
<label for="category-${i}"><input type="checkbox" id="category-${i}" name="categories" value="${category}"${checked(category) ? html` checked` : ''}> ${category}</label>`,
  )}
</fieldset>`;
}

function message(kind: 'notice' | 'error', text: string | null): SafeHtml {
  if (text === null) return html``;
  return kind === 'error' ? html`<p class="error" role="alert">${text}</p>` : html`<p class="notice" role="status">${text}</p>`;
}

/** The signup form: address, optional name, categories (every box checked at first: every category). */
export function signupForm(categories: readonly string[], values: SignupValues | null = null, error: string | null = null): SafeHtml {
  return html`<form method="post" action="/subscribe">
${message('error', error)}
<label for="email">Email address</label>
<input type="email" id="email" name="email" required autocomplete="email" maxlength="254" value="${values?.email ?? ''}">
<label for="name">Name <span class="hint">(optional)</span></label>
<input type="text" id="name" name="name" autocomplete="name" maxlength="100" value="${values?.name ?? ''}">
${categories.length === 0 ? '' : categoryFieldset('Categories', categories, values?.categories ?? [])}
<p class="hint">We send one email a week and a link to confirm your address first.</p>
<button type="submit">Subscribe</button>
</form>`;
}

/** `/`: what the newsletter is, the signup form and the past issues. */
export function homePage(
  categories: readonly string[],
  issues: readonly IssueSummary[],
  values: SignupValues | null = null,
  error: string | null = null,
): string {
  return layout(
    NEWSLETTER,
    html`<p>Every week, the AI tools added to the catalog go head to head: a five-reviewer panel, community votes, pricing and a pick.</p>
<h2>Subscribe</h2>
${signupForm(categories, values, error)}
<h2>Past issues</h2>
${issueList(issues)}
<p class="hint"><a href="${FEED_PATH}">Follow the feed</a> (RSS) to read each issue on the web.</p>`,
    { head: feedLink, index: true },
  );
}

/**
 * `homePage(categories, issues)` for the visits that follow each other: made again only when the categories (one array
 * per catalog read) or an issue's summary (one object per issue read) are not those of the last visit.
 */
export function keptHomePage(): (categories: readonly string[], issues: readonly IssueSummary[]) => string {
  let kept = { categories: [] as readonly string[], issues: [] as readonly IssueSummary[], page: '' };
  return (categories, issues) => {
    const { categories: before, issues: shown, page } = kept;
    if (page && categories === before && issues.length === shown.length && issues.every((issue, i) => issue === shown[i])) return page;
    kept = { categories, issues, page: homePage(categories, issues) };
    return kept.page;
  };
}

/** `/issues`: every past issue, newest first. */
export function issueIndexPage(issues: readonly IssueSummary[]): string {
  return layout(
    'Past issues',
    html`${issueList(issues)}
<p><a href="/">Subscribe to get the next one</a> · <a href="${FEED_PATH}">RSS feed</a></p>`,
    { head: feedLink, index: true },
  );
}

/** `GET /unsubscribe`: one button; the GET itself changes nothing. */
export function unsubscribePage(email: string, token: string, preferencesHref: string): string {
  return layout(
    'Unsubscribe',
    html`<p>Stop sending the weekly digest to <strong>${email}</strong>?</p>
<form method="post" action="/unsubscribe">
<input type="hidden" name="token" value="${token}">
<button type="submit">Unsubscribe</button>
</form>
<p class="hint">Too much? <a href="${preferencesHref}">Choose fewer categories</a> instead.</p>`,
  );
}

/** After a one-click or button unsubscribe. */
export function unsubscribedPage(email: string): string {
  return layout(
    'You are unsubscribed',
    html`<p role="status">${email} will get no more issues of ${NEWSLETTER}.</p>
<p>Changed your mind? <a href="/">Subscribe again</a>.</p>`,
  );
}

/** `GET /preferences`: the catalog's categories with the reader's choice, and a way out. */
export function preferencesPage(input: {
  email: string;
  token: string;
  unsubscribeToken: string;
  categories: readonly string[];
  /** Empty: every category. */
  chosen: readonly string[];
  status: SubscriberStatus | null;
  notice?: string | null;
  error?: string | null;
}): string {
  const stopped =
    input.status !== null && input.status !== 'active'
      ? html`<p class="notice">This address is ${input.status}, so it gets no email. <a href="/">Subscribe again</a> to get the digest.</p>`
      : '';
  return layout(
    'Email preferences',
    html`<p>Settings for <strong>${input.email}</strong>.</p>
${stopped}
${message('notice', input.notice ?? null)}
${message('error', input.error ?? null)}
<form method="post" action="/preferences">
<input type="hidden" name="token" value="${input.token}">
${categoryFieldset('Categories you get', input.categories, input.chosen)}
<button type="submit">Save preferences</button>
</form>
<h2>Unsubscribe</h2>
<form method="post" action="/unsubscribe">
<input type="hidden" name="token" value="${input.unsubscribeToken}">
<button type="submit" class="secondary">Unsubscribe from every email</button>
</form>`,
  );
}

/** After a signup, whatever the address's state: nothing here reveals whether it is already on the list. */
export function checkInboxPage(): string {
  return layout(
    'Check your inbox',
    html`<p role="status">If this address can subscribe, a confirmation email is on its way. Open the link in it within 7 days to start getting the digest.</p>
<p class="hint">Nothing arrived? Check your spam folder, or <a href="/">try again</a> in a few minutes.</p>`,
  );
}

/** `GET /confirm`: one button; the GET itself changes nothing, so a mail scanner opening the link confirms nobody. */
export function confirmPage(email: string, token: string): string {
  return layout(
    'Confirm your subscription',
    html`<p>Start sending the weekly digest to <strong>${email}</strong>?</p>
<form method="post" action="/confirm">
<input type="hidden" name="token" value="${token}">
<button type="submit">Yes, subscribe me</button>
</form>
<p class="hint">Didn't ask for this? Close this page: without the click, nothing more comes from us.</p>`,
  );
}

/** After `POST /confirm`. */
export function confirmedPage(email: string): string {
  return layout(
    'You are in',
    html`<p role="status">${email} is subscribed. The next issue arrives on Monday.</p>
<p>Meanwhile, read the <a href="/issues">past issues</a>.</p>`,
  );
}

/** The page for a tokenless personal link, as the archive's footer links to it. */
export function personalLinkPage(): string {
  return layout(
    'Use the link in your email',
    html`<p>Unsubscribe and preference links are personal: use the ones at the bottom of any issue in your inbox.</p>
<p><a href="/">Subscribe</a> · <a href="/issues">Past issues</a></p>`,
  );
}

/** A plain error page: what went wrong and where to go next. */
export function errorPage(title: string, text: string): string {
  return layout(
    title,
    html`<p>${text}</p>
<p><a href="/">Home</a></p>`,
  );
}
