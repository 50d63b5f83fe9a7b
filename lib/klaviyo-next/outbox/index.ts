export { OutboxStore } from './store';
export * from './types';
