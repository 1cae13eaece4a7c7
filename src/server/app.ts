import { inspect } from 'node:util';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Hono, type Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { bodyLimit } from 'hono/body-limit';
import { CatalogCache } from '../catalog/cache.ts';
import { categoryKey, type Tool } from '../catalog/schema.ts';
import { senderSettings, type Config } from '../config.ts';
import type { Transport } from '../delivery/transport.ts';
import { LedgerError, UserError, VotesError } from '../errors.ts';
import { terminalSafe } from '../plain-text.ts';
import { Address } from '../subscribers/schema.ts';
import type { ListReader } from '../state/stores.ts';
import type { State } from '../state/stores.ts';
import { signToken, verifyToken, type TokenPurpose } from '../subscribers/tokens.ts';
import { clientAddress, requestLog } from './access.ts';
import { Archive } from './archive.ts';
import {
  checkInboxPage,
  confirmedPage,
  confirmPage,
  errorPage,
  homePage,
  keptHomePage,
  personalLinkPage,
  preferencesPage,
  unsubscribedPage,
  unsubscribePage,
  type SignupValues,
} from './pages.ts';
import { registerArchive } from './public.ts';
import { RateLimiter } from './rate-limit.ts';
import { Confirmations } from './confirmations.ts';
import { SignupQueue } from './signup-queue.ts';
import { registerVotes } from './votes.ts';
import { type Answer, nodeWebhookRoute, WEBHOOK_LIMIT, WEBHOOK_PATH, webhookReceiver } from './webhook-route.ts';

/** What the server is handed instead of reaching for it: the clock, where confirmation emails go, and the list as it stands. */
export interface ServerDeps {
  state: State;
  now: () => Date;
  transport: Transport;
  subscribers: ListReader;
  /** Aborted when the server stops: the signup queue sends nothing more (the next start finishes it). */
  signal?: AbortSignal;
  /** Where the access log and webhook lines go (stdout unless told). */
  log?: (line: string) => void;
}

const FORM_LIMIT = 16 * 1024;
const TEN_MINUTES = 10 * 60 * 1000;

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  // Token links must not leak to other sites through the Referer header.
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

/** The catalog's categories, each once whatever its case, sorted. */
export function categoriesOf(tools: readonly Tool[]): string[] {
  const byKey = new Map<string, string>();
  for (const tool of tools) if (!byKey.has(categoryKey(tool.category))) byKey.set(categoryKey(tool.category), tool.category.trim());
  return [...byKey.values()].sort((a, b) => a.localeCompare(b, 'en'));
}

/** `chosen` as the catalog spells it, or null when none is a catalog category. All of them is stored as [], every category, new ones included. */
export function chooseCategories(categories: readonly string[], chosen: readonly string[]): string[] | null {
  const wanted = new Set(chosen.map(categoryKey));
  const picked = categories.filter((t) => wanted.has(categoryKey(t)));
  if (picked.length === 0) return null;
  return picked.length === categories.length ? [] : picked;
}

type Form = Record<string, string | File | (string | File)[]>;

function field(form: Form, name: string): string {
  const value = form[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

function fields(form: Form, name: string): string[] {
  const value = form[name];
  return (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter((v): v is string => typeof v === 'string');
}

async function formOf(c: Context): Promise<Form | null> {
  return c.req.parseBody({ all: true }).then(
    (form) => form as Form,
    () => null,
  );
}

const badLink = (c: Context) =>
  c.html(
    errorPage(
      'This link does not work',
      'It is incomplete, altered or expired. Use the latest link from your email, or subscribe again from the home page.',
    ),
    400,
  );
const badForm = (c: Context) => c.html(errorPage('Something is wrong with this form', 'Go back, reload the page and try again.'), 400);
const tooLarge = (c: Context) => c.html(errorPage('Request too large', 'That was more than this page accepts.'), 413);
const tooMany = (c: Context, seconds: number) =>
  c.html(errorPage('Too many requests', `Please wait ${Math.ceil(seconds / 60)} minutes before trying again.`), 429, {
    'Retry-After': String(seconds),
  });

/** The subscriber-facing web app: unsubscribe, preferences, signup and confirm, the archive and the Resend webhook. */
export function createApp(config: Config, deps: ServerDeps): Hono {
  return createRoutes(config, deps).app;
}

/** The app, and its webhook route on Node's own request and response (false: a request it leaves to the app). */
export function createRoutes(
  config: Config,
  deps: ServerDeps,
): { app: Hono; webhook: (request: IncomingMessage, response: ServerResponse) => boolean } {
  const log = deps.log ?? ((line: string) => console.log(line));
  const settings = senderSettings(config);
  const { state } = deps;
  const { subscribers, votes } = state;
  const archive = new Archive(state);
  const catalog = new CatalogCache(config.dataDir);
  const perClient = new RateLimiter(5, TEN_MINUTES);

  const list = async () => (await deps.subscribers.current()).list;
  const categories = () => catalog.derived(categoriesOf);
  const signups = new SignupQueue(state.signups, {
    ...deps,
    settings,
    store: subscribers,
    list,
    log: (line) => console.error(terminalSafe(line)),
  });
  const confirmations = new Confirmations(config.secret, subscribers, list, deps.now);
  const reader = (purpose: TokenPurpose, token: string | undefined) =>
    token ? verifyToken(config.secret, purpose, token, deps.now()) : null;
  const sign = (purpose: TokenPurpose, email: string) => signToken(config.secret, purpose, email);
  const preferencesOf = async (email: string, token: string) => {
    const [all, everyone] = await Promise.all([categories(), list()]);
    const known = everyone.get(email);
    return {
      email,
      token,
      unsubscribeToken: sign('unsubscribe', email),
      categories: all,
      chosen: known?.categories ?? [],
      status: known?.status ?? null,
    };
  };

  const app = new Hono();
  app.use(requestLog(log));
  app.use(async (c, next) => {
    // Set before the page is made, so they go out with it: set on a finished response they make the adapter copy it as a stream.
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
    await next();
  });
  app.on('POST', ['/subscribe', '/confirm', '/unsubscribe', '/preferences'], bodyLimit({ maxSize: FORM_LIMIT, onError: tooLarge }));
  let lastDamage = '';
  const failure = (error: unknown, method: string, path: string): Answer => {
    const page = (status: number, title: string, text: string) => ({ status, text: errorPage(title, text), html: true });
    // The database down or restarting: webhooks get a 5xx that Resend retries, pages a plain 503; the next request tries again.
    const unavailable = state.unavailable(error);
    if (unavailable) {
      console.error(terminalSafe(`${method} ${path} answered 503: ${unavailable.message}`));
      return page(
        503,
        'This page is unavailable for now',
        'The site cannot reach its records right now. Please try again in a few minutes.',
      );
    }
    // Damaged votes or ledger: the pages that read them wait for the operator, every other page works on. Said once per damage.
    if (error instanceof VotesError || error instanceof LedgerError) {
      const sentence =
        error instanceof VotesError
          ? error.for("serve answers the archive's issue pages and the vote links with an error page until it is fixed").message
          : error.message;
      if (sentence !== lastDamage) console.error(terminalSafe(sentence));
      lastDamage = sentence;
      return page(503, 'This page is unavailable for now', 'Something on our side needs fixing. Please try again later.');
    }
    console.error(terminalSafe(`${method} ${path} failed: ${error instanceof UserError ? error.message : inspect(error)}`));
    return page(500, 'Something went wrong', 'This is our fault. Please try again in a few minutes.');
  };
  app.onError((error, c) => {
    const { status, text } = failure(error, c.req.method, c.req.path);
    return c.html(text, status as ContentfulStatusCode);
  });
  app.notFound((c) => c.html(errorPage('Page not found', 'There is nothing at this address.'), 404));

  const home = keptHomePage();
  app.get('/', async (c) => c.html(home(await categories(), await archive.summaries())));

  registerArchive(app, { publicUrl: settings.publicUrl, archive, votes, categories });
  registerVotes(app, {
    secret: config.secret,
    now: deps.now,
    votes,
    archive,
    subscribers: deps.subscribers,
    readers: state.readers,
  });

  app.get('/unsubscribe', (c) => {
    const token = c.req.query('token');
    if (token === undefined) return c.html(personalLinkPage());
    const email = reader('unsubscribe', token);
    if (!email) return badLink(c);
    return c.html(unsubscribePage(email, token, `/preferences?token=${sign('preferences', email)}`));
  });

  // RFC 8058 one-click: the mail client posts `List-Unsubscribe=One-Click` to the link itself; the page's button posts the token.
  app.post('/unsubscribe', async (c) => {
    const form = await formOf(c);
    if (!form) return badForm(c);
    const email = reader('unsubscribe', c.req.query('token') ?? field(form, 'token'));
    if (!email) return badLink(c);
    const source = field(form, 'List-Unsubscribe') === 'One-Click' ? 'one-click' : 'unsubscribe page';
    await subscribers.record({ type: 'unsubscribe', email, at: deps.now().toISOString(), source });
    return c.html(unsubscribedPage(email));
  });

  app.get('/preferences', async (c) => {
    const token = c.req.query('token');
    if (token === undefined) return c.html(personalLinkPage());
    const email = reader('preferences', token);
    if (!email) return badLink(c);
    return c.html(preferencesPage(await preferencesOf(email, token)));
  });

  app.post('/preferences', async (c) => {
    const form = await formOf(c);
    if (!form) return badForm(c);
    const token = field(form, 'token');
    const email = reader('preferences', token);
    if (!email) return badLink(c);
    const page = await preferencesOf(email, token);
    const categories = chooseCategories(page.categories, fields(form, 'categories'));
    if (categories === null)
      return c.html(preferencesPage({ ...page, error: 'Nothing saved: choose at least one category, or unsubscribe below.' }), 400);
    await subscribers.record({ type: 'preferences', email, categories, at: deps.now().toISOString() });
    const notice = `Saved. You get ${categories.length === 0 ? 'every category' : categories.join(', ')}.`;
    return c.html(preferencesPage({ ...page, chosen: categories, notice }));
  });

  app.post('/subscribe', async (c) => {
    const form = await formOf(c);
    if (!form) return badForm(c);
    const now = deps.now();
    const byClient = perClient.take(clientAddress(c, config.trustProxyHops), now.getTime());
    if (!byClient.ok) return tooMany(c, byClient.retryAfterSeconds);
    const values: SignupValues = {
      email: field(form, 'email').trim(),
      name: field(form, 'name')
        .replace(/\p{Cc}/gu, ' ')
        .trim()
        .slice(0, 100),
      categories: fields(form, 'categories'),
    };
    const address = Address.safeParse(values.email);
    if (!address.success) {
      return c.html(
        homePage(await categories(), await archive.summaries(), values, 'Enter a valid email address, such as ada@example.com.'),
        400,
      );
    }
    // The same work and the same page for every address, known or not: the signup is kept durably, answered,
    // and only then looked at and mailed (an address already active gets nothing), so the form never tells who is on the list.
    const kept = await signups.add({
      email: address.data,
      name: values.name || null,
      categories: chooseCategories(await categories(), values.categories) ?? [],
      at: now,
    });
    if (!kept.ok) return tooMany(c, kept.retryAfterSeconds);
    signups.kick();
    return c.html(checkInboxPage());
  });

  const supersededLink = (c: Context) =>
    c.html(
      errorPage(
        'This link no longer works',
        'This address left the list after the link was sent. Subscribe again from the home page to get a new one.',
      ),
      400,
    );

  // A GET (or HEAD) only shows the button, so a mail scanner that opens the link confirms nobody.
  app.get('/confirm', async (c) => {
    const token = c.req.query('token');
    const link = await confirmations.check(token);
    if (link.kind === 'bad' || token === undefined) return badLink(c);
    if (link.kind === 'superseded') return supersededLink(c);
    return c.html(confirmPage(link.email, token));
  });

  app.post('/confirm', async (c) => {
    const form = await formOf(c);
    if (!form) return badForm(c);
    const link = await confirmations.confirm(field(form, 'token'));
    if (link.kind === 'bad') return badLink(c);
    if (link.kind === 'superseded') return supersededLink(c);
    return c.html(confirmedPage(link.email));
  });

  const receive = webhookReceiver(config.webhookSecret, { state, now: deps.now, log });
  app.post(WEBHOOK_PATH, bodyLimit({ maxSize: WEBHOOK_LIMIT, onError: tooLarge }), async (c) => {
    const { status, text } = await receive(
      () => c.req.text(),
      (name) => c.req.header(name),
    );
    return c.text(text, status as ContentfulStatusCode);
  });

  return { app, webhook: nodeWebhookRoute(receive, { headers: SECURITY_HEADERS, log, failure }) };
}
