/** Pure builders shared by browser and server: no I/O, deterministic ids. */
export * from './browse';
export * from './consent';
export type { TrackEvent } from './event';
export * from './identity';
export * from './metrics';
export * from './orders';
export type { Storefront } from './storefront';
export type * from './types';
export { uniqueId } from './unique-id';
