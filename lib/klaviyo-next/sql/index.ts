// The plugin's SQL layer: queries are `sql` tagged templates (the npm package sql-template-tag), run
// through one adapter over the host's database. The adapters load a driver each, so they are
// imported from their own modules and a store on one driver never loads the others:
//   ./postgres (postgresDatabase, postgresExecutor, openPostgres)   node-postgres
//   ./sqlite   (sqliteDatabase, sqliteExecutor, openSqlite)         better-sqlite3
//   ./drizzle  (drizzleDatabase, drizzleExecutor)                   Drizzle on node-postgres
export { default as sql, empty, join, raw, Sql as SqlQuery } from 'sql-template-tag';
export { migrationSql, PLUGIN_MIGRATIONS, PLUGIN_MIGRATIONS_TABLE } from '../migrations';
export {
  type MigrateOptions,
  type Migration,
  MigrationsPendingError,
  migrate,
  pendingMigrations,
} from './migrate';
export { TransactionMisuseError } from './scope';
export type { Dialect, Row, SqlDatabase, SqlExecutor } from './types';
