'use server';

import { z } from 'zod';
import { replayDeadLetters } from '@/lib/admin/delivery';
import { adminDeps } from '@/lib/admin/deps';
import { merchantAction } from '@/lib/auth/action';

/**
 * Puts one dead-lettered message back in the queue and asks for delivery, unless a newer change for
 * the same person has replaced it (the answer's `skipped` says so).
 */
export const replayDeadLetter = merchantAction(
  z.object({ id: z.number().int().positive() }),
  async ({ id }) => replayDeadLetters(await adminDeps(), [id]),
);

/** Puts every dead-lettered message back in the queue, but those since replaced, and asks for delivery. */
export const replayAllDeadLetters = merchantAction(z.object({}), async () =>
  replayDeadLetters(await adminDeps()),
);
