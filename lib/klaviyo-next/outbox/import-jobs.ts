import 'server-only';
import sql from 'sql-template-tag';
import type { KlaviyoClient } from '../api/client';
import { KlaviyoApiError } from '../api/errors';
import { paginate } from '../api/paginate';
import { profileImportBody } from './deliver/bodies';
import { IMPORT_FENCE_MS } from './deliver/profiles';
import type { OutboxStore } from './store';
import { type DeliveryError, type OutboxMessage, orderKeyOf } from './types';

const HOUR_MS = 3_600_000;

/** What one poll did. */
export interface ImportPollResult {
  /** Jobs asked about (get_bulk_import_profiles_job). */
  polled: number;
  /** Jobs seen complete (or cancelled, or gone): their fences were lifted. */
  completed: number;
  /** Delivered writes an import error named, now dead letters with Klaviyo's reason. */
  deadLettered: number;
  /** Import errors that named no write this outbox can still tell apart; left as they were. */
  unmatched: number;
}

export interface ImportPollOptions {
  /** The rows' clock, as the claim reads it (the database's on Postgres). */
  now: number;
  signal?: AbortSignal;
  /** How far a job still processing keeps its fences ahead (profiles.ts IMPORT_FENCE_MS). */
  fenceMs?: number;
}

interface ImportError {
  attributes: {
    code: string;
    title?: string;
    detail: string;
    source?: { pointer?: string };
    original_payload?: Record<string, unknown> | null;
  };
}

/** A JSON text whose keys are sorted at every depth: two payloads compare by content, not key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

/** The profile attributes an import error quotes (the profile resource object, or its attributes). */
function quoted(error: ImportError): Record<string, unknown> | undefined {
  const payload = error.attributes.original_payload;
  if (!payload || typeof payload !== 'object') return undefined;
  const attributes = (payload as { attributes?: unknown }).attributes;
  return attributes && typeof attributes === 'object' ? (attributes as Record<string, unknown>) : payload;
}

/**
 * Polls the profile import jobs that fence people (klaviyo_outbox_fences.job, written when a write went
 * in a bulk_import_profiles job: deliver/profiles.ts). A job still queued or processing keeps its
 * fences, extended while it runs. A job seen complete has its import errors read: each write an error
 * names, already marked delivered, becomes a dead letter with Klaviyo's code, detail and pointer (for
 * the merchant to see and replay); then the job's fences are lifted, so each person's next write goes.
 * A cancelled job dead-letters every write it held (none of them is known to be applied). A job
 * Klaviyo no longer knows (404) only has its fences lifted.
 *
 * Which write an error names: the delivered write for the quoted person whose import body equals the
 * quoted payload; failing that (Klaviyo may normalise what it quotes), that person's newest delivered
 * write, but only while the job's fence still holds the person, since then no newer write of theirs can
 * have been sent. Anything else is counted `unmatched` and left delivered rather than blame the wrong
 * write. Several workers may poll at once: every change is conditional, so a second poll is a no-op.
 */
export async function pollImportJobs(
  store: OutboxStore,
  client: KlaviyoClient,
  options: ImportPollOptions,
): Promise<ImportPollResult> {
  const { db } = store;
  const { now, signal } = options;
  const fenceMs = options.fenceMs ?? IMPORT_FENCE_MS;
  const result: ImportPollResult = { polled: 0, completed: 0, deadLettered: 0, unmatched: 0 };
  const jobs = await db.query<{ job: string }>(
    sql`SELECT DISTINCT job FROM klaviyo_outbox_fences WHERE job IS NOT NULL`,
  );
  for (const { job } of jobs) {
    if (signal?.aborted) break;
    let status: string;
    try {
      result.polled++;
      const found = await client.call('get_bulk_import_profiles_job', { path: { job_id: job }, signal });
      status = String(found.data.attributes.status);
    } catch (error) {
      if (error instanceof KlaviyoApiError && error.status === 404) {
        await lift(job);
        result.completed++;
        continue;
      }
      // Throttled, failing, or cut short: the fences keep holding and the next poll asks again.
      break;
    }
    if (status !== 'complete' && status !== 'cancelled') {
      await db.query(sql`UPDATE klaviyo_outbox_fences SET until_ms = ${now + fenceMs}
        WHERE job = ${job} AND until_ms < ${now + fenceMs / 2}`);
      continue;
    }
    try {
      if (status === 'cancelled') {
        result.deadLettered += await deadLetterJob(job, {
          status: 0,
          code: 'import_job_cancelled',
          detail: `Profile import job ${job} was cancelled before it imported this write.`,
        });
      } else {
        for await (const item of paginate(client, 'get_errors_for_bulk_import_profiles_job', {
          path: { id: job },
          signal,
        }))
          await deadLetterQuoted(job, item as ImportError);
      }
    } catch {
      // The errors could not all be read: the fences stay, and the next poll reads them again.
      break;
    }
    await lift(job);
    result.completed++;
  }
  return result;

  async function lift(job: string) {
    await db.query(sql`DELETE FROM klaviyo_outbox_fences WHERE job = ${job}`);
  }

  /** Marks one delivered profile write dead, with the hour's delivered count taken back. */
  async function markDead(id: number, error: DeliveryError): Promise<boolean> {
    return db.transaction(async (tx) => {
      const rows = await tx.query<{ delivered_at: number | null }>(
        sql`UPDATE klaviyo_outbox SET state = 'dead', last_error = ${JSON.stringify(error)}, updated_at = ${now}
         WHERE id = ${id} AND state = 'delivered' RETURNING delivered_at`,
      );
      const at = rows[0]?.delivered_at;
      if (at != null)
        await tx.query(sql`UPDATE klaviyo_outbox_delivered_hours SET n = n - 1
          WHERE hour = ${Math.floor(Number(at) / HOUR_MS)} AND n > 0`);
      return rows.length > 0;
    });
  }

  async function deadLetterQuoted(job: string, error: ImportError) {
    const attributes = quoted(error);
    const orderKey = attributes
      ? orderKeyOf({ kind: 'profile', key: '', payload: { profile: attributes } } as OutboxMessage)
      : null;
    const candidates = orderKey
      ? await db.query<{ id: number; payload: string }>(
          sql`SELECT id, payload FROM klaviyo_outbox WHERE order_key = ${orderKey} AND kind = 'profile'
           AND state = 'delivered' ORDER BY id DESC LIMIT 20`,
        )
      : [];
    const wanted = canonical(attributes);
    let id = candidates.find(
      (c) => canonical(profileImportBody(JSON.parse(c.payload)).data.attributes) === wanted,
    )?.id;
    if (id === undefined && candidates[0] && orderKey) {
      const [fence] = await db.query<{ n: number }>(
        sql`SELECT COUNT(*) AS n FROM klaviyo_outbox_fences WHERE order_key = ${orderKey} AND job = ${job} AND until_ms > ${now}`,
      );
      if (Number(fence?.n ?? 0) > 0) id = candidates[0].id;
    }
    const reason: DeliveryError = {
      status: 400,
      code: error.attributes.code,
      detail: error.attributes.detail,
      ...(error.attributes.source?.pointer ? { pointer: error.attributes.source.pointer } : {}),
    };
    if (id !== undefined && (await markDead(Number(id), reason))) result.deadLettered++;
    else result.unmatched++;
  }

  /** Every write a cancelled job held: each fenced person's newest delivered profile write. */
  async function deadLetterJob(job: string, reason: DeliveryError): Promise<number> {
    const rows = await db.query<{ id: number }>(
      sql`SELECT MAX(o.id) AS id FROM klaviyo_outbox o JOIN klaviyo_outbox_fences f ON f.order_key = o.order_key
       WHERE f.job = ${job} AND o.kind = 'profile' AND o.state = 'delivered' GROUP BY o.order_key`,
    );
    let n = 0;
    for (const row of rows) if (await markDead(Number(row.id), reason)) n++;
    return n;
  }
}
