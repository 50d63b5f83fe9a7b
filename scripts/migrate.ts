/**
 * `npm run migrate`: applies the plugin's migrations (recorded in `klaviyo_migrations`) and the demo
 * store's (`store_migrations`) to the app's database: Postgres at DATABASE_URL, else the SQLite file.
 * It is the deploy step: the app and the worker never migrate, they refuse a database this has not
 * brought up to date (lib/app/migrations.ts, checkAppDatabase). `npm run dev` runs it first. It reads
 * the same .env files Next.js does, so it migrates the database the app will open.
 *
 * `npm run migrate -- --print postgres|sqlite`: prints the plugin's schema as SQL instead, for teams
 * that apply migrations with their own tool (it records itself in `klaviyo_migrations` too, so
 * `klaviyo.migrate()` later runs only what is newer). Touches no database.
 */
import { existsSync } from 'node:fs';
import { loadEnvFile } from 'node:process';
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
  loadEnvFiles(process.env.NODE_ENV ?? 'development');
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

/**
 * The .env files Next.js loads for `mode`, most specific first (its documented order); a variable
 * already set, in the environment or by an earlier file, is kept, as Next.js keeps it.
 */
function loadEnvFiles(mode: string): void {
  const files = [`.env.${mode}.local`, ...(mode === 'test' ? [] : ['.env.local']), `.env.${mode}`, '.env'];
  for (const file of files) if (existsSync(file)) loadEnvFile(file);
}
