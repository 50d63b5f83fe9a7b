import 'server-only';
import { getDatabase } from '../../app/database';
import { OutboxStore } from './store';

let store: OutboxStore | undefined;

/** The app's outbox over the app's database. */
export async function getOutbox(): Promise<OutboxStore> {
  store ??= new OutboxStore(await getDatabase());
  return store;
}

export { OutboxStore } from './store';
export * from './types';
