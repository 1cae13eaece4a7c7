import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { UserError, describeIssues } from '../errors.ts';
import { Tool } from './schema.ts';

/** JSON text as a value, or the defect naming the file and where the JSON breaks. */
export function parseJsonText(file: string, text: string): { value: unknown } | { defects: string[] } {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return { defects: [`${file}: invalid JSON${jsonErrorLocation(text)}.`] };
  }
}

/** Parses one tool file's text; returns the tool or the defects, each naming the file. */
export function parseToolFile(file: string, text: string): { tool: Tool } | { defects: string[] } {
  const parsedJson = parseJsonText(file, text);
  if ('defects' in parsedJson) return parsedJson;
  const json = parsedJson.value;
  const parsed = Tool.safeParse(json);
  if (!parsed.success) return { defects: describeIssues(file, parsed.error, json) };
  const expected = path.basename(file, '.json');
  if (parsed.data.slug !== expected) {
    return { defects: [`${file}: field "slug" is "${parsed.data.slug}" but must equal the file name "${expected}".`] };
  }
  return { tool: parsed.data };
}

/** " at line 4, column 3 (comma expected)", from a JSON parser that says where it stopped. */
function jsonErrorLocation(text: string): string {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return '';
  const before = text.slice(0, first.offset);
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  const reason = printParseErrorCode(first.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return ` at line ${line}, column ${column} (${reason})`;
}

/** Loads every `<dataDir>/tools/*.json`, sorted by slug; any defect anywhere throws a UserError listing them all, one a line. */
export async function loadCatalog(dataDir: string): Promise<Tool[]> {
  const dir = path.join(dataDir, 'tools');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
  } catch {
    throw new UserError(`${dir}: the catalog folder does not exist or cannot be read.`);
  }
  const defects: string[] = [];
  const tools: Tool[] = [];
  const fileOfSlug = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    const result = parseToolFile(file, await readFile(file, 'utf8'));
    if ('defects' in result) {
      defects.push(...result.defects);
      continue;
    }
    const other = fileOfSlug.get(result.tool.slug);
    if (other) {
      defects.push(`${file}: field "slug" "${result.tool.slug}" is already used by ${other}.`);
      continue;
    }
    fileOfSlug.set(result.tool.slug, file);
    tools.push(result.tool);
  }
  if (defects.length > 0) throw new UserError(defects.join('\n'));
  return tools.sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
}
