import { app } from '@/lib/app';

export const runtime = 'nodejs';

/** Browser events (Viewed Product, Added to Cart, Started Checkout) relayed past ad blockers. */
export const { POST } = app.klaviyo.routes.track;
