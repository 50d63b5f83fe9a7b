/** The `?next=` a sign-in page passes on, if it is a path on this site (never another origin). */
export function nextPath(value: string | string[] | undefined): string | undefined {
  const next = Array.isArray(value) ? value[0] : value;
  return next && /^\/(?!\/)[\w\-/?=&.%]*$/.test(next) ? next : undefined;
}
