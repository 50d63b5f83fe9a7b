import type { Member } from './contracts';

interface ProfileLike {
  id?: string | null;
  attributes?: {
    email?: string | null;
    phone_number?: string | null;
    first_name?: string | null;
    last_name?: string | null;
    joined_group_at?: string | null;
  };
}

/** A list or segment member as the admin shows it. */
export function toMember(profile: ProfileLike): Member {
  const a = profile.attributes ?? {};
  const name = [a.first_name, a.last_name].filter(Boolean).join(' ');
  return {
    id: String(profile.id),
    email: a.email ?? null,
    phoneNumber: a.phone_number ?? null,
    name: name || null,
    joinedAt: a.joined_group_at ?? null,
  };
}
