import { stat } from 'node:fs/promises';
import { loadCatalog } from '../catalog/load.ts';
import type { Config } from '../config.ts';
import { SubscribersError } from '../errors.ts';
import { catalogCategories, planAdd, unsubscribeMessage } from './edit.ts';
import type { RowProblem } from './csv.ts';
import { type ExportRow, exportRows, readExport } from './import.ts';
import { catalogSpelling, type ImportOutcome, importSummary, noOutcomes, planImport, withCatalogCategories } from './import-plan.ts';
import type { ListState } from './live.ts';

/**
 * What `subscribers import`, `add` and `unsubscribe` do to the list: read it as the next send sees it, record
 * the change as events, and return what to say. A missing list file counts as empty: these commands build it up.
 */

async function listOf(state: ListState) {
  return await state.list({ allowMissingCsv: true }).current();
}

/** The catalog's categories, and how a sentence names where they come from. */
async function catalogOf(config: Config): Promise<[categories: string[], where: string]> {
  return [(await loadCatalog(config.dataDir)).map((t) => t.category), `the catalog in ${config.dataDir}/tools`];
}

/**
 * Rows planned and recorded at a time by an import on files: the rows and events of a million at once took 1.3 GB.
 * Parts of 5,000 die young enough to leave a million-row import at 400 MB, where parts of 10,000 reached 520 MB.
 */
const RECORD_AT_ONCE = 5_000;

/** The file's identity and content version; null when it can't be looked at (reading it says why). */
async function versionOf(file: string): Promise<string | null> {
  const found = await stat(file).catch(() => null);
  return found && `${found.dev}:${found.ino}:${found.mtimeMs}:${found.size}`;
}

/**
 * The first pass of an import on files: the whole export read and checked, recording nothing. Returns the rows
 * skipped and how to spell each row's categories; throws what stops the import, a row it can't read before a
 * category the catalog doesn't have, as reading the whole file before checking its categories does.
 */
async function checkExport(config: Config, file: string) {
  const problems: RowProblem[] = [];
  let spell: ((row: ExportRow) => ExportRow) | null = null;
  let stop: { error: unknown } | null = null;
  for await (const batch of exportRows(file)) {
    for (const row of batch) {
      if ('problem' in row) problems.push(row);
      else if (row.categories.length > 0 && !stop) {
        try {
          spell ??= catalogSpelling(...(await catalogOf(config)), file);
          spell(row);
        } catch (error) {
          stop = { error };
        }
      }
    }
  }
  if (stop) throw stop.error;
  return { problems, spell: spell ?? ((row: ExportRow) => row) };
}

/**
 * The files backend's import, in two passes over the file so that a million rows are never held at once: the
 * first checks every row, the second plans each part against the list as folded so far and records it. A run
 * stopped between two parts leaves the first recorded, and the same import run again records only the rest.
 */
async function importOnFiles(config: Config, state: ListState, file: string, at: string): Promise<string> {
  const { list } = await listOf(state);
  const version = await versionOf(file);
  const { problems, spell } = await checkExport(config, file);
  if ((await versionOf(file)) !== version) {
    throw new SubscribersError(`${file} changed while it was being imported; nothing was imported: run the import again.`);
  }
  const outcomes = noOutcomes();
  let part: ExportRow[] = [];
  const record = async () => {
    const planned = planImport(list, part, at, file);
    part = [];
    for (const [outcome, count] of Object.entries(planned.outcomes)) outcomes[outcome as ImportOutcome] += count;
    if (planned.events.length > 0) await state.subscribers.record(...planned.events);
  };
  for await (const batch of exportRows(file)) {
    for (const row of batch) {
      if ('problem' in row) continue;
      part.push(spell(row));
      if (part.length === RECORD_AT_ONCE) await record();
    }
  }
  await record();
  return importSummary(file, outcomes, problems);
}

/** Imports an export of another tool (or our own list); returns the summary. An unknown status or category stops it with nothing imported. */
export async function importSubscribers(config: Config, state: ListState, file: string, at: Date): Promise<string> {
  if (!state.importRows) return await importOnFiles(config, state, file, at.toISOString());
  // A state that imports all at once (a database) judges the rows where it keeps the list, read and checked whole first.
  const { rows, problems } = await readExport(file);
  const checked = rows.some((r) => r.categories.length > 0) ? withCatalogCategories(rows, ...(await catalogOf(config)), file) : rows;
  return importSummary(file, await state.importRows(checked, at.toISOString(), file), problems);
}

/** Adds one active reader, or changes the name or categories (as the catalog spells them) of one on the list; returns what changed. */
export async function addSubscriber(
  config: Config,
  state: ListState,
  request: { email: string; name?: string; categories?: readonly string[]; at: Date },
): Promise<string> {
  const { list } = await listOf(state);
  const categories = request.categories && catalogCategories(request.categories, ...(await catalogOf(config)));
  const { event, message } = planAdd(list.get(request.email), {
    email: request.email,
    name: request.name,
    categories,
    at: request.at.toISOString(),
  });
  if (event) await state.subscribers.record(event);
  return message;
}

/** Records the opt-out of `email`, on the list or not, so no later import or add mails it; returns what was done. */
export async function unsubscribe(_config: Config, state: ListState, email: string, at: Date): Promise<string> {
  const { list } = await listOf(state);
  await state.subscribers.record({ type: 'unsubscribe', email, at: at.toISOString(), source: 'cli' });
  return unsubscribeMessage(list.get(email), email);
}
