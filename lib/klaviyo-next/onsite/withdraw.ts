import type { KlaviyoWindow } from './types';

/**
 * What withdrawing consent removes (docs/klaviyo-notes.md#consent): every `__kla*` cookie but the kill
 * switch, and the storage keys klaviyo.js and its modules write (docs/klaviyo-notes.md#identity-cookie), and
 * those a real consent provider clears.
 */
const LOCAL_KEYS = [
  'klaviyoOnsite',
  'kl-post-identification-sync',
  '$referrer',
  '$last_referrer',
  '__kla_viewed',
  '__kla_viewed_reviewed_items',
  '__kl_key',
];
const SESSION_KEYS = ['klaviyoPagesVisitCountV2', '_kx'];
const KILL_SWITCH = '__kla_off';
const TWO_YEARS = 730 * 86_400;

/**
 * The host and each parent domain, because `cookieDomain()` may have set `__kla_id` on a parent
 * (docs/klaviyo-notes.md#identity-cookie).
 */
function domainsOf(hostname: string): string[] {
  const parts = hostname.split('.');
  const parents = parts.slice(1, -1).map((_, i) => `; domain=.${parts.slice(i + 1).join('.')}`);
  return ['', `; domain=${hostname}`, ...parents];
}

function setCookie(win: KlaviyoWindow, value: string): void {
  // klaviyo.js keeps its state in cookies the page can read and write
  // (docs/klaviyo-notes.md#identity-cookie).
  win.document.cookie = value;
}

/**
 * Turns tracking off and clears Klaviyo's state: `__kla_off=true` makes klaviyo.js track nothing on its
 * next load (docs/klaviyo-notes.md#identity-cookie), then its cookies and storage are deleted.
 */
export function withdrawTracking(win: KlaviyoWindow): void {
  setCookie(win, `${KILL_SWITCH}=true; path=/; max-age=${TWO_YEARS}; samesite=lax`);
  const names = win.document.cookie
    .split(';')
    .map((pair) => pair.split('=')[0]?.trim() ?? '')
    .filter((name) => name.startsWith('__kla') && name !== KILL_SWITCH);
  for (const name of names) {
    for (const domain of domainsOf(win.location.hostname))
      setCookie(win, `${name}=; path=/; max-age=0${domain}`);
  }
  for (const key of LOCAL_KEYS) win.localStorage?.removeItem(key);
  for (const key of SESSION_KEYS) win.sessionStorage?.removeItem(key);
}

/** Lifts the kill switch, so klaviyo.js tracks once consent is given. */
export function allowTracking(win: KlaviyoWindow): void {
  if (win.document.cookie.includes(`${KILL_SWITCH}=`)) setCookie(win, `${KILL_SWITCH}=; path=/; max-age=0`);
}
