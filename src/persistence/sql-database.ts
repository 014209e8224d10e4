import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, sql as rawSql, type SqliteDatabase, SqliteDialect } from 'kysely';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { AppConfig } from '../config/config.js';
import { isoTimestampTypes, PG_UTC_SESSION } from './pg-session.js';

/**
 * The service's own SQL database, beside the event store: idempotency records now, read models
 * and the read audit later. SQLite (a file next to the embedded store) or PostgreSQL (the
 * configured schema); one Kysely query code for both.
 */
export interface SqlDatabase {
  db: Kysely<any>;
  dialect: 'sqlite' | 'postgres';
  /**
   * The SQLite connection under `db` (the same one, so its statements join Kysely's
   * transactions): bulk writers use cached prepared statements on it.
   */
  sqlite?: Database.Database;
  /** The PostgreSQL schema (search_path) the tables live in. */
  schema?: string;
  close(): Promise<void>;
}

export const SQL_DATABASE = Symbol('SQL_DATABASE');

/** Distinct SQL texts whose prepared statements a connection keeps (least recently used go first). */
const STATEMENT_CACHE = 500;

/**
 * The connection as Kysely's SQLite driver sees it, preparing each distinct SQL text once: the
 * driver prepares every query it runs, which was about 4% of the service's time under load.
 * Queries on one connection run one at a time (Kysely holds it per query or transaction), so a
 * statement is never run twice at once.
 */
function preparingOnce(sqlite: Database.Database): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let statement = statements.get(text);
      if (statement) {
        statements.delete(text);
      } else {
        statement = sqlite.prepare(text);
        if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
      }
      statements.set(text, statement);
      return statement;
    },
  };
}

/**
 * A connection to one of the service's SQLite files, set up as every connection to them is.
 * WAL; synchronous NORMAL: a power cut may lose the last records here, never corrupt them. What
 * lives in these files is derived or re-derivable: idempotency records (a retry whose record was
 * lost finds its command's events in the store, which stays synchronous=FULL) and read models
 * (rebuilt from their checkpoint, which is written in the same transaction). `cacheKb`: the page
 * cache (SQLite's default is 2 MB).
 */
export function openSqliteFile(path: string, cacheKb: number): Database.Database {
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma(`cache_size = -${cacheKb}`);
  return sqlite;
}

/**
 * Opens the service database (`service.sqlite`) or, with `file`, another SQLite file beside it
 * (the read models live in `read-models.sqlite`, so a rebuild never holds the lock idempotency
 * records need). On PostgreSQL both are the configured schema.
 */
export function openSqlDatabase(config: AppConfig, file = 'service.sqlite'): SqlDatabase {
  if (config.store === 'embedded') {
    mkdirSync(config.dataDir, { recursive: true });
    // Up to 64 MB of pages cached, for the service database and the read models alike: read-model
    // tables outgrow 2 MB, and a rebuild inserting into them kept reading pages back.
    const sqlite = openSqliteFile(join(config.dataDir, file), 65_536);
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: preparingOnce(sqlite) }) });
    return { db, dialect: 'sqlite', sqlite, close: () => db.destroy() };
  }
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 5, options: `-c search_path=${config.pgSchema} ${PG_UTC_SESSION}`, types: isoTimestampTypes });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', schema: config.pgSchema, close: () => db.destroy() };
}

/**
 * Creates the schema (PostgreSQL) and the tables the service needs, idempotently. On PostgreSQL
 * it runs under the same advisory lock as the event store's migration, so instances (and the
 * two migrations of one instance) starting together never race on CREATE SCHEMA.
 */
export async function migrateSqlDatabase(sql: SqlDatabase, config: AppConfig): Promise<void> {
  await sql.db.transaction().execute(async (trx) => {
    if (sql.dialect === 'postgres') {
      await rawSql`SELECT pg_advisory_xact_lock(hashtext('service-ledger:migrate'))`.execute(trx);
      await trx.schema.createSchema(config.pgSchema).ifNotExists().execute();
    }
    await trx.schema
      .createTable('idempotency_keys')
      .ifNotExists()
      .addColumn('scope', 'text', (c) => c.primaryKey())
      .addColumn('request_hash', 'text', (c) => c.notNull())
      .addColumn('state', 'text', (c) => c.notNull())
      .addColumn('status', 'integer')
      .addColumn('body', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('completed_at', 'text')
      .execute();
  });
}
