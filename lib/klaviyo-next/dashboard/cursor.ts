/** The `page[cursor]` of a Klaviyo `links.next`, or null on the last page. */
export function nextCursor(links: { next?: string | null } | undefined): string | null {
  if (!links?.next) return null;
  try {
    return new URL(links.next).searchParams.get('page[cursor]');
  } catch {
    return null;
  }
}
