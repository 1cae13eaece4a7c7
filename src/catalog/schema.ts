import { z } from 'zod';
import { codePoint, firstControl } from '../plain-text.ts';

/**
 * Refuses control characters, naming the first by code point and position: one-line text reaches terminals and mail
 * headers (the subject), where ESC would clear the screen and a line break start a new header; multi-line text keeps
 * its line feeds and tabs.
 */
function plain(multiline: boolean) {
  return (value: string, ctx: z.RefinementCtx) => {
    const found = firstControl(value, multiline);
    if (found === null) return;
    const where = `(${codePoint(found.char)}) at position ${found.position}`;
    ctx.addIssue({
      code: 'custom',
      message: found.lineBreak ? `contains a line break ${where}; it must be one line` : `contains a control character ${where}; remove it`,
    });
  };
}

/** For one-line text: refuses every control character. */
export const plainLine = plain(false);
/** For multi-line text: refuses every control character but the line feed and the tab. */
export const plainLines = plain(true);

export const PERSONAS = ['builder', 'skeptic', 'futurist', 'founder', 'creator'] as const;
export const Persona = z.enum(PERSONAS);
export type Persona = z.infer<typeof Persona>;

export const ShipOrSkip = z.enum(['ship', 'skip']);
export type ShipOrSkip = z.infer<typeof ShipOrSkip>;

/** One reviewer's take on a tool: a score out of 100 and a ship/skip vote. */
export const PanelTake = z.strictObject({
  persona: Persona,
  score: z.int().min(0).max(100),
  verdict: ShipOrSkip,
  take: z.string().min(1).superRefine(plainLines),
});
export type PanelTake = z.infer<typeof PanelTake>;

export const PricingEntry = z.enum(['free', 'freemium', 'paid']);
export type PricingEntry = z.infer<typeof PricingEntry>;

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;

/** An ISO 8601 date-time with offset as the instant it names; `+0100` and `+01` offsets are written `+01:00` first. */
export function parseDateTime(text: string): Date {
  const iso = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2').replace(/([+-]\d{2})$/, '$1:00');
  return new Date(iso);
}

function isRealDate(text: string): boolean {
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

/** `2026-11-17T15:00:00Z` (an instant, offset required) or `2026-11-17` (local midnight in the digest time zone). */
export const AddedAt = z
  .string()
  .check(
    z.refine(
      (text) =>
        DATE_ONLY.test(text)
          ? isRealDate(text)
          : DATE_TIME.test(text) && isRealDate(text.slice(0, 10)) && !Number.isNaN(parseDateTime(text).getTime()),
      'must be an ISO 8601 date-time with offset (2026-11-17T15:00:00Z) or a date (2026-11-17)',
    ),
  );

export function isDateOnly(addedAt: string): boolean {
  return DATE_ONLY.test(addedAt);
}

/** Lengths count characters (code points), so a name in any script gets its full 80. */
function text(min: number, max: number) {
  return z.string().check(
    z.refine(
      (value) => {
        const length = [...value].length;
        return length >= min && length <= max;
      },
      `must be ${min} to ${max.toLocaleString('en-US')} characters`,
    ),
  );
}

const WebUrl = z.url({
  protocol: /^https?$/,
  error: 'must be an absolute http: or https: URL',
});

function oneLine(min: number, max: number) {
  return text(min, max).superRefine(plainLine);
}

/** A tool of the catalog, one file `data/tools/<slug>.json`. */
export const Tool = z.strictObject({
  slug: z.string().regex(SLUG, 'must be lowercase letters and digits joined by single hyphens'),
  name: oneLine(1, 80),
  tagline: oneLine(1, 160),
  category: z.string().trim().min(1).superRefine(plainLine),
  description: text(1, 4000).superRefine(plainLines),
  // Checked before the URL parser, which drops tabs and line breaks silently.
  url: z.string().superRefine(plainLine).pipe(WebUrl),
  addedAt: AddedAt,
  pricing: z.strictObject({
    entry: PricingEntry,
    details: z.string().min(1).superRefine(plainLine).optional(),
  }),
  panel: z
    .array(PanelTake)
    .max(5)
    .superRefine((takes, ctx) => {
      const seen = new Set<string>();
      takes.forEach((take, i) => {
        if (seen.has(take.persona)) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'persona'],
            message: `has a second take from the ${take.persona}; at most one per persona`,
          });
        }
        seen.add(take.persona);
      });
    }),
  community: z
    .strictObject({
      ship: z.int().min(0),
      skip: z.int().min(0),
    })
    .optional(),
});
export type Tool = z.infer<typeof Tool>;

/** Categories are compared case-insensitively after trimming. */
export function categoryKey(category: string): string {
  return category.trim().toLowerCase();
}
