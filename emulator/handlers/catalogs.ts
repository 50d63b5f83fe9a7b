import type { HandlerTable } from '../core/context.js';

export const catalogHandlers: HandlerTable = {};
