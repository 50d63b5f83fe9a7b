'use server';

import { z } from 'zod';
import { merchantAction } from '@/lib/auth/action';
import { replayDeadLetters } from '@/lib/klaviyo-next/dashboard/delivery';
import { adminDeps } from '@/lib/klaviyo-next/dashboard/deps';

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
