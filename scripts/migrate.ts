/**
 * `npm run migrate`: applies the plugin's migrations (recorded in `klaviyo_migrations`) and the demo
 * store's (`store_migrations`) to the app's database: Postgres at DATABASE_URL, else the SQLite file.
 * The app and the worker also migrate on start; this is for a deploy step that runs them first.
 *
 * `npm run migrate -- --print postgres|sqlite`: prints the plugin's schema as SQL instead, for teams
 * that apply migrations with their own tool (it records itself in `klaviyo_migrations` too, so
 * `klaviyo.migrate()` later runs only what is newer). Touches no database.
 */
import { migrateAppDatabase } from '../lib/app/migrations';
import { parseDatabaseSettings } from '../lib/env';
import { migrationSql } from '../lib/klaviyo-next/migrations';
import { openPostgres } from '../lib/klaviyo-next/sql/postgres';
import { openSqlite } from '../lib/klaviyo-next/sql/sqlite';

const args = process.argv.slice(2);
const print = args.indexOf('--print');
if (print >= 0) {
  const dialect = args[print + 1];
  if (dialect !== 'postgres' && dialect !== 'sqlite') {
    console.error('Usage: npm run migrate -- --print postgres|sqlite');
    process.exit(2);
  }
  process.stdout.write(migrationSql(dialect));
} else {
  const settings = parseDatabaseSettings(process.env);
  const db = settings.databaseUrl ? openPostgres(settings.databaseUrl) : openSqlite(settings.sqlitePath);
  try {
    const applied = await migrateAppDatabase(db);
    const where = settings.databaseUrl ? 'Postgres (DATABASE_URL)' : settings.sqlitePath;
    console.log(`[migrate] ${applied} migration(s) applied to ${where}; the database is up to date.`);
  } finally {
    await db.close();
  }
}
