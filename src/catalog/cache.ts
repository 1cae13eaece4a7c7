import { type FSWatcher, type Stats, statSync, watch } from 'node:fs';
import path from 'node:path';
import { loadCatalog } from './load.ts';
import type { Tool } from './schema.ts';

// Sync: a stat costs a few µs, where the thread pool's round trip costs about 30 (and waits behind fsyncs) on every page.
function statOrNull(file: string): Stats | null {
  try {
    return statSync(file);
  } catch {
    return null;
  }
}

/** Without a file watcher, the catalog is read again at most this often. */
const UNWATCHED_MS = 5_000;

/**
 * The catalog for a long-running server: loaded and checked once, then again only when a file under
 * `<dataDir>/tools` changed (a file watcher counts changes; the folder's mtime catches files added, removed
 * or renamed even where watching is not supported, and there the catalog is also re-read every few seconds).
 */
export class CatalogCache {
  private readonly dir: string;
  private changes = 0;
  private watcher: FSWatcher | null = null;
  private cached: { version: string; tools: Promise<Tool[]> } | null = null;
  private readonly derivations = new WeakMap<Tool[], Map<unknown, unknown>>();

  constructor(
    private readonly dataDir: string,
    private readonly now: () => number = Date.now,
  ) {
    this.dir = path.join(dataDir, 'tools');
  }

  private watchFolder(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.dir, () => this.changes++);
      this.watcher.on('error', () => this.stopWatching());
      this.watcher.unref();
    } catch {
      this.watcher = null;
    }
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = null;
    this.changes++;
  }

  /** The catalog as the files stand; a catalog with a defect rejects as `loadCatalog` does, until it is fixed. */
  async tools(): Promise<Tool[]> {
    this.watchFolder();
    const folder = statOrNull(this.dir);
    const unwatched = this.watcher ? '' : `:${Math.floor(this.now() / UNWATCHED_MS)}`;
    const version = `${folder?.ino ?? '-'}:${folder?.mtimeMs ?? '-'}:${this.changes}${unwatched}`;
    if (this.cached?.version !== version) this.cached = { version, tools: loadCatalog(this.dataDir) };
    return this.cached.tools;
  }

  /** `derive(tools)`, computed once per version of the catalog. */
  async derived<T>(derive: (tools: Tool[]) => T): Promise<T> {
    const tools = await this.tools();
    let byFunction = this.derivations.get(tools);
    if (!byFunction) {
      byFunction = new Map();
      this.derivations.set(tools, byFunction);
    }
    if (!byFunction.has(derive)) byFunction.set(derive, derive(tools));
    return byFunction.get(derive) as T;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
  }
}
