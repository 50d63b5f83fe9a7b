import { klaviyo } from '../../../../lib/klaviyo';

export const POST = (request: Request) => klaviyo().routes.track.POST(request);
