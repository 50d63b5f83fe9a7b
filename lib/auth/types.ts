import type { DefaultSession } from 'next-auth';
import type { MerchantRole } from './credentials';

/** The session and token carry the user's id and role, filled in lib/auth/config.ts's callbacks. */
declare module 'next-auth' {
  interface Session {
    user: { id: string; role?: MerchantRole } & DefaultSession['user'];
  }
  interface User {
    role?: MerchantRole;
  }
}

declare module 'next-auth/jwt' {
  interface JWT {
    role?: MerchantRole;
  }
}
