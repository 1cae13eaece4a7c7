import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql, TransactionSql } from 'postgres';
import { UserError } from '../../errors.ts';

/** One numbered SQL file of migrations/: `001_initial.sql` is version 1. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

/** The advisory lock (by hashtextextended) that migrations run under. */
export const MIGRATION_LOCK = 'digest schema migrations';

const FILE = /^(\d{3})_([a-z0-9_]+)\.sql$/;

/** The migrations of `dir` in order; numbers that skip or repeat are a bug of this program, which ships the folder. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .flatMap((file) => {
      const match = FILE.exec(file);
      return match ? [{ version: Number(match[1]), name: file, sql: readFileSync(path.join(dir, file), 'utf8') }] : [];
    })
    .sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`${dir}: ${migration.name} should be number ${index + 1}: a bug.`);
  });
  return migrations;
}

/** The version the database's schema is at: 0 for a database no migration has touched. */
export async function schemaVersion(sql: Sql | TransactionSql): Promise<number> {
  const [table] = await sql<{ present: boolean }[]>`SELECT to_regclass('schema_version') IS NOT NULL AS present`;
  if (!table?.present) return 0;
  const [row] = await sql<{ version: number }[]>`SELECT coalesce(max(version), 0)::int AS version FROM schema_version`;
  return row?.version ?? 0;
}

/** What a run of the migrations found and did. */
export interface Migrated {
  from: number;
  to: number;
  applied: number[];
}

/**
 * Brings the database's schema up to the newest of `migrations`, each in its own transaction with its version, under
 * a transaction-level advisory lock: of several programs starting at once, one applies each migration and the others
 * wait, then find it applied. A schema newer than any migration here refuses, naming both versions.
 */
export async function migrate(sql: Sql, migrations: Migration[] = readMigrations(), source = 'DATABASE_URL'): Promise<Migrated> {
  const newest = migrations.at(-1)?.version ?? 0;
  const applied: number[] = [];
  let from: number | null = null;
  for (;;) {
    const current = await sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtextextended(${MIGRATION_LOCK}, 0))`;
      await tx`CREATE TABLE IF NOT EXISTS schema_version (
        version integer PRIMARY KEY,
        name text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`;
      const version = await schemaVersion(tx);
      from ??= version;
      if (version > newest) throw schemaTooNew(version, newest, source);
      const next = migrations.find((migration) => migration.version === version + 1);
      if (!next) return version;
      await tx.unsafe(next.sql);
      await tx`INSERT INTO schema_version (version, name) VALUES (${next.version}, ${next.name})`;
      applied.push(next.version);
      return null;
    });
    if (current !== null) return { from: from ?? current, to: current, applied };
  }
}

export function schemaTooNew(version: number, newest: number, source: string): UserError {
  return new UserError(
    `The database's schema is at version ${version}, newer than version ${newest} that this program knows; run the newer program that migrated it, or point ${source} at another database.`,
  );
}
