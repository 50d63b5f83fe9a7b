/**
 * Where klaviyo.js is loaded from. Production: Klaviyo's documented URL (docs/klaviyo-notes.md#script-url).
 * Against the emulator (development and tests): the emulator's stand-in, at the same path on the emulator's
 * origin.
 */
export function klaviyoScriptUrl(options: { companyId: string; apiUrl?: string; live?: boolean }): string {
  const path = `/onsite/js/${options.companyId}/klaviyo.js`;
  if (options.live !== false || !options.apiUrl) return `https://static.klaviyo.com${path}`;
  return `${new URL(options.apiUrl).origin}${path}`;
}
