import { html as honoHtml, raw as honoRaw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

/** Markup that is already safe to emit: built only by `html` or `raw`. */
export type SafeHtml = HtmlEscapedString;

type Part = SafeHtml | string | number | null | undefined | false | readonly Part[];

/**
 * Hono's `html` tag: every interpolated value is escaped unless it is itself `SafeHtml`; arrays are joined; null and
 * false are dropped. Hono returns a Promise only when a value is one, which `Part` rules out.
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  return honoHtml(strings, ...values) as SafeHtml;
}

/** Trusted markup from elsewhere (a rendered template), emitted as it is. */
export function raw(markup: string): SafeHtml {
  return honoRaw(markup);
}
