import { klaviyo } from '../../../lib/klaviyo';

/** The same relay route, with delivery left to a worker instead of a drain after each response. */
export const POST = (request: Request) => klaviyo(false).routes.track.POST(request);
