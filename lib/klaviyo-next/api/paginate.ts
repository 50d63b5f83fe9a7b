import type { CallArgs, KlaviyoClient, ResponseOf } from './client';
import type { UsedOperation } from './used-operations';

type ItemOf<O extends UsedOperation> = ResponseOf<O> extends { data: (infer T)[] } ? T : never;

/**
 * Walks a cursor-paginated collection, one page at a time, following `links.next`. Only the cursor
 * is taken from the link, so every page is asked for with the caller's own parameters and host.
 */
export async function* paginate<O extends UsedOperation>(
  client: KlaviyoClient,
  operation: O,
  args: CallArgs<O> = {},
): AsyncGenerator<ItemOf<O>> {
  let cursor: string | undefined;
  for (;;) {
    const query = { ...(args.query ?? {}), ...(cursor ? { 'page[cursor]': cursor } : {}) };
    const page = (await client.call(operation, { ...args, query } as CallArgs<O>)) as {
      data: ItemOf<O>[];
      links?: { next?: string | null };
    };
    yield* page.data;
    const next = page.links?.next;
    cursor = next ? (new URL(next).searchParams.get('page[cursor]') ?? undefined) : undefined;
    if (!cursor) return;
  }
}
