'use server';

import { app } from '@/lib/app';
import type { DashboardActionInput } from '@/lib/klaviyo-next';

/** Puts one dead-lettered message back in the queue, unless a newer change has replaced it. */
export async function replayDeadLetter(input: DashboardActionInput<'replayDeadLetter'>) {
  return app.klaviyo.dashboard.actions.replayDeadLetter(input);
}

/** Puts every dead-lettered message back in the queue, but those since replaced. */
export async function replayAllDeadLetters(input: DashboardActionInput<'replayAllDeadLetters'>) {
  return app.klaviyo.dashboard.actions.replayAllDeadLetters(input);
}
