import type { HandlerTable } from '../core/context.js';

export const listHandlers: HandlerTable = {};
