// The plugin's SQL layer: queries are `sql` tagged templates (the npm package sql-template-tag), run
// through one adapter over the host's database.
export { default as sql, empty, join, raw, Sql as SqlQuery } from 'sql-template-tag';
export { type Migration, migrate } from './migrate';
export {
  DEFAULT_TIMEOUTS,
  openPostgres,
  type PostgresOptions,
  type PostgresTimeouts,
  timeoutsFromUrl,
} from './postgres';
export { TransactionMisuseError } from './scope';
export { openSqlite } from './sqlite';
export type { Dialect, Row, SqlDatabase, SqlExecutor } from './types';
