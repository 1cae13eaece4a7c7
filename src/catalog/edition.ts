import path from 'node:path';
import { z } from 'zod';
import { UserError, describeIssues } from '../errors.ts';
import { readTextIfExists } from '../files.ts';
import { parseJsonText } from './load.ts';
import { plainLine, plainLines } from './schema.ts';

const Slug = z.string().min(1).superRefine(plainLine);

/** The editor's say over one week: `data/editions/<week>.json`. Every part is optional. */
export const Edition = z.strictObject({
  /** A note at the top of the digest, plain text; a blank line starts a new paragraph. */
  intro: z.string().trim().min(1).max(2000).superRefine(plainLines).optional(),
  /** New tools left out of the issue. */
  exclude: z.array(Slug).optional(),
  /** Comparisons the editor fixes; the other new tools are paired as usual. */
  pairs: z.array(z.tuple([Slug, Slug], { error: 'must be a list of two slugs, such as ["smollm3", "smolvlm2"]' })).optional(),
  /** The tool compared with every other new tool; implies the spotlight strategy. */
  spotlight: Slug.optional(),
  /** Holds the week: nothing is sent until the hold is lifted. A string says why. */
  hold: z
    .union([z.boolean(), z.string().trim().min(1).superRefine(plainLine)], { error: 'must be true, false or the reason for the hold' })
    .optional(),
});
export type Edition = z.infer<typeof Edition>;

export function editionFile(dataDir: string, week: string): string {
  return path.join(dataDir, 'editions', `${week}.json`);
}

/** The week's edition, or null when the editor wrote none. Defects throw a UserError naming the file and field. */
export async function loadEdition(dataDir: string, week: string): Promise<Edition | null> {
  const file = editionFile(dataDir, week);
  const text = await readTextIfExists(file);
  if (text === null) return null;
  const json = parseJsonText(file, text);
  if ('defects' in json) throw new UserError(json.defects.join('\n'));
  const parsed = Edition.safeParse(json.value);
  if (!parsed.success) throw new UserError(describeIssues(file, parsed.error, json.value).join('\n'));
  return parsed.data;
}

/**
 * Checks the edition against the week's tools: every slug it names must be a new tool of the week
 * (the spotlight may also be an earlier one), and no tool may be in two forced pairs or both excluded and paired.
 */
export function checkEdition(file: string, edition: Edition, newSlugs: ReadonlySet<string>, earlierSlugs: ReadonlySet<string>): string[] {
  const defects: string[] = [];
  const notNew = (field: string, slug: string) => `${file}: field "${field}" names "${slug}", which is not a new tool of this week.`;
  edition.exclude?.forEach((slug, i) => {
    if (!newSlugs.has(slug)) defects.push(notNew(`exclude[${i}]`, slug));
  });
  const paired = new Set<string>();
  edition.pairs?.forEach((pair, i) => {
    pair.forEach((slug, j) => {
      const field = `pairs[${i}][${j}]`;
      if (!newSlugs.has(slug)) defects.push(notNew(field, slug));
      else if (paired.has(slug)) defects.push(`${file}: field "${field}" pairs "${slug}" a second time; a tool is in one comparison only.`);
      else if (edition.exclude?.includes(slug)) defects.push(`${file}: field "${field}" pairs "${slug}", which "exclude" leaves out.`);
      paired.add(slug);
    });
  });
  if (edition.spotlight !== undefined && !newSlugs.has(edition.spotlight) && !earlierSlugs.has(edition.spotlight)) {
    defects.push(`${file}: field "spotlight" names "${edition.spotlight}", which is not in the catalog by the end of this week.`);
  }
  if (edition.spotlight !== undefined && edition.exclude?.includes(edition.spotlight)) {
    defects.push(`${file}: field "spotlight" names "${edition.spotlight}", which "exclude" leaves out.`);
  }
  if (edition.spotlight !== undefined && paired.has(edition.spotlight)) {
    defects.push(`${file}: field "spotlight" names "${edition.spotlight}", which "pairs" already compares with one tool.`);
  }
  return defects;
}
