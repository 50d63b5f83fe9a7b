import type { HandlerTable } from '../core/context.js';

export const webhookHandlers: HandlerTable = {};
