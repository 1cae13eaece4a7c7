import { loadCatalog } from '../catalog/load.ts';
import type { Config } from '../config.ts';
import { catalogCategories, planAdd, unsubscribeMessage } from './edit.ts';
import { readExport } from './import.ts';
import { importSummary, planImport, withCatalogCategories } from './import-plan.ts';
import type { ImportRows, ListState } from './live.ts';

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

/** Events recorded per call by an import on files: a million rows in one call overflowed the stack. */
const RECORD_AT_ONCE = 50_000;

/** The files backend's import: the rows planned against the list, read beforehand, and recorded as events. */
async function importAgainstList(state: ListState): Promise<ImportRows> {
  const { list } = await listOf(state);
  return async (rows, at, file) => {
    const { events, outcomes } = planImport(list, rows, at, file);
    // A call takes its events as arguments, which a stack holds only so many of; a run stopped between two parts
    // leaves the first recorded, and the same import run again records only the rest.
    for (let i = 0; i < events.length; i += RECORD_AT_ONCE) await state.subscribers.record(...events.slice(i, i + RECORD_AT_ONCE));
    return outcomes;
  };
}

/** Imports an export of another tool (or our own list); returns the summary. An unknown status or category stops it with nothing imported. */
export async function importSubscribers(config: Config, state: ListState, file: string, at: Date): Promise<string> {
  // A state that imports all at once (a database) judges the rows where it keeps the list.
  const importRows = state.importRows ?? (await importAgainstList(state));
  // Read and checked whole before anything is recorded.
  const { rows, problems } = await readExport(file);
  const checked = rows.some((r) => r.categories.length > 0) ? withCatalogCategories(rows, ...(await catalogOf(config)), file) : rows;
  return importSummary(file, await importRows(checked, at.toISOString(), file), problems);
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
