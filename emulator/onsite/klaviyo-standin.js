/*
 * An offline stand-in for Klaviyo's klaviyo.js, served by the emulator at /onsite/js/<company id>/klaviyo.js
 * for development and tests (docs/klaviyo-notes.md#offline-stand-in, where the load steps numbered below are
 * listed): the same globals, queue draining, gating, identity cookie and /client/* requests (endpoints,
 * headers, bodies) as the real script (docs/klaviyo-notes.md#client-requests). No chunks, no forms UI, no
 * dependencies. ES2020 (optional chaining is its one feature after ES2019).
 * Deliberate differences, because the real behaviour cannot be reproduced offline:
 * - Promises and callbacks always settle with the documented value (load step 6).
 * - Exchange ids are Klaviyo's, never the script's: Klaviyo answers klaviyo.js's client/profiles with
 *   meta.exchange_id (docs/klaviyo-notes.md#exchange-ids), and so does the emulator for requests marked
 *   X-Klaviyo-Onsite (the documented API answers 202 with no body). The stand-in keeps that id in its
 *   cookie and sends it as `_kx` with later writes; sending the cookie's id is how Klaviyo, given
 *   `$exchange_id`, adds an email typed later to the profile the browser was already identified as. A
 *   made-up id reaches no profile.
 * - The bot filter (docs/klaviyo-notes.md#identity-cookie) is off unless `robotCheck` is set, since tests
 *   drive headless Chromium.
 */
(() => {
  const w = window;
  const d = document;
  const attempt = (fn, fallback) => {
    try {
      return fn();
    } catch (_) {
      return fallback;
    }
  };
  // The emulator replaces this object with {"apiBase": "<its own origin>"}, as Klaviyo templates each
  // company's loader (docs/klaviyo-notes.md#script-url). Served unchanged, requests go to
  // https://a.klaviyo.com.
  const served = /*@standin-config*/ {};
  const cfg = { apiBase: 'https://a.klaviyo.com', transport: 'xhr', robotCheck: false, debounceMs: 300 };
  Object.assign(cfg, { revisionEvents: '2026-07-15', revisionProfiles: '2024-10-15', retries: 5 });
  Object.assign(cfg, served, w.__KLAVIYO_STANDIN__);

  // The company id comes from the script's own URL (path form, then the older query form).
  const el = d.currentScript;
  const src = el?.src || '';
  const byPath = /\/onsite\/js\/([A-Za-z0-9]{6})\/klaviyo\.js/.exec(src);
  const byQuery = /[?&]company_id=([A-Za-z0-9]{6})/.exec(src);
  const ID = byPath?.[1] || byQuery?.[1] || el?.getAttribute('data-company-id') || '';
  const jsUrl = byPath ? 'path' : 'query';
  if (!ID) return console.error(`Klaviyo: no company id in ${src}`);

  // Load step 1: loading twice for the same company is harmless; another company is refused.
  const loaded = w.klaviyoModulesObject;
  if (loaded) {
    if (loaded.companyId !== ID)
      console.warn(`Already loaded for account ${loaded.companyId}. Skipping account ${ID}.`);
    return;
  }
  // Step 2.
  w._learnq = w._learnq || [];
  w.__klKey = w.__klKey || ID;
  w._learnq.push(['account', ID]);
  const modules = { companyId: ID, loadTime: new Date(), standin: true };
  Object.defineProperty(w, 'klaviyoModulesObject', { value: modules, enumerable: false });
  const rec = { companyId: ID, calls: [], requests: [], dropped: [] };
  rec.reset = () => {
    for (const list of [rec.calls, rec.requests, rec.dropped]) list.splice(0);
  };
  w.__klaviyoStandin = rec;

  // ── storage ───────────────────────────────────────────────────────────────
  const cookie = (name) =>
    (d.cookie ? d.cookie.split('; ') : [])
      .filter((pair) => pair.slice(0, pair.indexOf('=')) === name)
      .map((pair) => pair.slice(pair.indexOf('=') + 1))[0];
  const b64 = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));
  const unb64 = (text) => new TextDecoder().decode(Uint8Array.from(atob(text), (c) => c.charCodeAt(0)));
  const local = attempt(() => w.localStorage, null); // null when storage is disabled
  const readJson = (key) => attempt(() => JSON.parse(local.getItem(key)), null);
  const writeJson = (key, value) => attempt(() => local.setItem(key, JSON.stringify(value)));
  const uuid = () =>
    crypto.randomUUID?.() ||
    Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16)).join('');

  // Step 3: the kill switch, and the bot filter when asked for (docs/klaviyo-notes.md#identity-cookie).
  const robot = cfg.robotCheck && /HeadlessChrome|Chrome-Lighthouse/.test(navigator.userAgent);
  const trackingOn = cookie('__kla_off') !== 'true' && !robot;
  if (!trackingOn)
    console.warn('Klaviyo tracking is disabled. To enable, set the cookie "__kla_off" to false.');

  // Step 4: identity from __kla_id (base64 JSON, docs/klaviyo-notes.md#identity-cookie); only cid and
  // $exchange_id are written back.
  let account = ID;
  let cookieDomain = '';
  let identity = attempt(() => JSON.parse(unb64(decodeURIComponent(cookie('__kla_id'))) || {}), {});
  const persist = () => {
    const kept = { cid: identity.cid, $exchange_id: identity.$exchange_id };
    const expires = new Date(Date.now() + 730 * 864e5).toUTCString();
    const domain = cookieDomain ? `; domain=${cookieDomain}` : '';
    // biome-ignore lint/suspicious/noDocumentCookie: klaviyo.js writes __kla_id with document.cookie
    d.cookie = `__kla_id=${b64(JSON.stringify(kept))}; path=/; expires=${expires}${domain}`;
  };
  if (trackingOn && !identity.cid) {
    identity.cid = btoa(uuid());
    persist();
  }

  // ── wire format (the profile key mapping: docs/klaviyo-notes.md#client-requests) ───
  const ATTR = { $id: 'external_id', external_id: 'external_id', $anonymous: 'anonymous_id', _kx: '_kx' };
  for (const k of 'email phone_number first_name last_name organization title image locale'.split(' ')) {
    ATTR[`$${k}`] = k;
    ATTR[k] = k;
  }
  const LOCATION = 'address1 address2 city country region zip timezone'.split(' ');
  const IDS = '$exchange_id id $email $id $kid $anonymous $phone_number email phone_number'.split(' ');
  const PERSON = '$email email $phone_number phone_number $id external_id $anonymous'.split(' ');
  const identified = (o) => IDS.some((k) => Boolean(o[k]));
  /** The identifiers of an identity: what a write carries so the profile resolves. */
  const idsOf = (o) => Object.fromEntries(PERSON.filter((k) => o[k]).map((k) => [k, o[k]]));

  const profileData = (p) => {
    const data = { type: 'profile', attributes: {} };
    const [location, properties] = [{}, {}];
    for (const [k, v] of Object.entries(p)) {
      if (k === 'cid' || v === undefined) continue;
      if (k === '$kid') data.id = v;
      else if (ATTR[k]) data.attributes[ATTR[k]] = v;
      else if (k[0] === '$' && LOCATION.includes(k.slice(1))) location[k.slice(1)] = v;
      else properties[k] = v;
    }
    if (Object.keys(location).length) data.attributes.location = location;
    if (Object.keys(properties).length) data.attributes.properties = properties;
    return data;
  };

  const send = (kind, body, revision, onDone, left = { 429: cfg.retries, 0: 1 }) => {
    const url = `${cfg.apiBase.replace(/\/$/, '')}/client/${kind}/?company_id=${account}`;
    const headers = { 'Content-Type': 'application/json', accept: 'application/json' };
    Object.assign(headers, { 'X-Klaviyo-Onsite': '1', 'X-Klaviyo-Js-Url': jsUrl, revision });
    rec.requests.push({ url, headers, body });
    const finish = (status, text) => {
      // Up to 5 retries on 429 after 1-2 s, one on a network error, as klaviyo.js does.
      if (left[status] > 0) {
        left[status] -= 1;
        return setTimeout(() => send(kind, body, revision, onDone, left), 1000 + Math.random() * 1000);
      }
      onDone?.(
        status,
        attempt(() => JSON.parse(text), null),
      );
    };
    if (cfg.transport === 'none') return finish(202, '');
    if (cfg.transport === 'fetch') {
      const init = { method: 'POST', headers, body: JSON.stringify(body), credentials: 'omit' };
      return fetch(url, init).then(
        (r) => r.text().then((t) => finish(r.status, t)),
        () => finish(0, ''),
      );
    }
    // XHR like the real script: resourceType "xhr", withCredentials false, so no cookies go out.
    const x = new XMLHttpRequest();
    x.open('POST', url);
    for (const [h, v] of Object.entries(headers)) x.setRequestHeader(h, v);
    x.withCredentials = false;
    x.onload = () => finish(x.status, x.responseText);
    x.onerror = () => finish(0, '');
    x.send(JSON.stringify(body));
  };

  // ── tracker ───────────────────────────────────────────────────────────────
  let pending = null;
  let waiters = [];
  let timer;
  let activity = 'not sent'; // 'waiting' for an identification, then 'sent'
  const INTERNAL = ['$exchange_id', '_kx', 'cid'];
  const publicIdentity = () =>
    Object.fromEntries(Object.entries(identity).filter(([k]) => !INTERNAL.includes(k)));
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

  const flush = () => {
    const [props, done] = [pending, waiters];
    [pending, waiters] = [null, []];
    const attrs = { ...idsOf(identity), ...props };
    // See the header: the _kx given (a link's), else the cookie's; Klaviyo answers with the one to keep.
    const kx = attrs._kx || identity.$exchange_id;
    if (kx) attrs._kx = kx;
    if (kx && kx === identity.$exchange_id) attrs.$exchange_id = kx;
    send('profiles', { data: profileData(attrs) }, cfg.revisionProfiles, (status, json) => {
      if (status >= 200 && status < 300) {
        const exchangeId = json?.meta?.exchange_id || kx;
        identity = { ...identity, ...props, ...(exchangeId ? { $exchange_id: exchangeId } : {}) };
        delete identity._kx;
        persist();
        if (exchangeId) attempt(() => w.sessionStorage.setItem('_kx', btoa(exchangeId)));
        if (activity === 'waiting') sendActivity();
      } else console.error(`identify failed with status ${status}`);
      for (const cb of done) cb(publicIdentity());
    });
  };

  const identify = (input, cb) => {
    const props = { ...input };
    const answer = () => cb?.(publicIdentity());
    if (!trackingOn) return answer();
    const email = (o) => o.$email || o.email;
    const differs = (a, b) => Boolean(a && b) && a !== b;
    if (differs(email(props), email(identity)) || differs(props.$id, identity.$id)) {
      // Another person on this browser: forget the last one (cookie, referrers, viewed items).
      identity = { cid: identity.cid };
      pending = null;
      persist();
      for (const k of ['$referrer', '$last_referrer', '__kla_viewed']) local?.removeItem(k);
    }
    const merged = { ...identity, ...pending, ...props };
    if (!pending && Object.keys(merged).every((k) => same(merged[k], identity[k]))) return answer();
    if (!pending && !identified(merged) && !merged._kx) {
      identity = merged; // nothing to identify by yet: kept in memory, no request
      return answer();
    }
    pending = { ...pending, ...props };
    if (cb) waiters.push(cb);
    clearTimeout(timer);
    timer = setTimeout(flush, cfg.debounceMs); // debounced; calls meanwhile merge into one body
  };

  const track = (name, input) => {
    if (!trackingOn || !identified(identity)) {
      rec.dropped.push({ event: name, properties: input }); // no request, false, as klaviyo.js
      return false;
    }
    const properties = { ...input };
    const attrs = { properties, metric: { data: { type: 'metric', attributes: { name, service: 'api' } } } };
    for (const [from, to] of [
      ['time', 'time'],
      ['$value', 'value'],
      ['$event_id', 'unique_id'],
    ]) {
      if (from in properties) attrs[to] = properties[from];
      delete properties[from];
    }
    Object.assign(properties, { $use_ip: true, $is_session_activity: true });
    const profile = profileData(idsOf(identity));
    const ex = identity.$exchange_id;
    if (ex) profile.attributes = { properties: { $exchange_id: ex }, _kx: ex, ...profile.attributes };
    attrs.profile = { data: profile };
    send('events', { data: { type: 'event', attributes: attrs } }, cfg.revisionEvents);
    return true; // without waiting for the response, like the real script
  };

  const trackViewedItem = (item, cb) => {
    if (!trackingOn) return cb?.();
    if (Object.prototype.toString.call(item) !== '[object Object]') {
      console.warn(`Klaviyo trackViewedItem: "item" must be a plain object. Received ${typeof item}.`);
      return cb?.();
    }
    // __kla_viewed: [[item, views]], one per ItemId, newest first, 20 at most, 30 days
    // (docs/klaviyo-notes.md#ecommerce-events).
    const now = Math.floor(Date.now() / 1000);
    const list = (readJson('__kla_viewed') || []).filter((e) => now - e?.[0]?.LastViewedDate < 30 * 86400);
    const at = list.findIndex((e) => e[0].ItemId === item.ItemId);
    const views = at >= 0 ? list.splice(at, 1)[0][1] + 1 : 1;
    list.unshift([{ ...item, LastViewedDate: now }, views]);
    writeJson('__kla_viewed', list.slice(0, 20));
    // A profile write only when identified; $viewed_items never reaches the cookie.
    identify({ $viewed_items: list.slice(0, 20).map(([i, v]) => ({ ...i, Views: v })) }, () => cb?.());
  };

  const T = {
    identify,
    track,
    trackViewedItem,
    isIdentified: () => identified(identity),
    account: (id) => {
      account = id || account;
      return account;
    },
    cookieDomain: (domain) => {
      cookieDomain = domain || cookieDomain;
      if (domain && trackingOn) persist();
      return cookieDomain;
    },
    openForm: (formId) => {
      const detail = { type: 'open', formId, companyId: ID, metaData: {} };
      w.dispatchEvent(new CustomEvent('klaviyoForms', { detail }));
    },
    getGroupMembership: () => [],
  };
  const WITH_CALLBACK = ['identify', 'trackViewedItem'];

  /** One call `[name, ...args, callback?]`: a Promise of the documented value, also given to the callback. */
  const call = (name, input) => {
    const args = [...input];
    const cb = typeof args[args.length - 1] === 'function' ? args.pop() : null;
    rec.calls.push({ method: name, args, ts: Date.now() });
    return new Promise((resolve) => {
      const settle = (value) => {
        attempt(() => cb?.(value));
        resolve(value);
      };
      if (!Object.keys(T).includes(name)) {
        console.warn(`Klaviyo: unknown method "${name}"`);
        settle(undefined);
      } else if (WITH_CALLBACK.includes(name)) T[name](args[0], settle);
      else settle(T[name](...args));
    });
  };
  /** Runs a queue entry: `[name, ...args, callback?]`, or a function given the tracker. */
  const exec = (entry, self) =>
    typeof entry === 'function' ? entry(self) : entry?.length && call(entry[0], entry.slice(1));

  // Step 6: the public object.
  const K = { push: (entry) => exec(entry, K) };
  for (const name of Object.keys(T)) K[name] = (...args) => call(name, args);

  // Step 5: the legacy queue, as the real script drains it: account/cookieDomain/identify first (walking
  // backwards), then the rest in order; later pushes run at once; the tracker's methods on it
  // (docs/klaviyo-notes.md#pre-load-queue).
  const lq = w._learnq;
  for (let i = lq.length - 1; i >= 0; i--) {
    if (['account', 'cookieDomain', 'identify'].includes(lq[i]?.[0])) exec(lq.splice(i, 1)[0], T);
  }
  for (const entry of lq.splice(0)) exec(entry, T);
  lq.push = (...entries) => {
    for (const entry of entries) exec(entry, T);
  };
  for (const name of ['account', 'cookieDomain', 'identify', 'track', 'isIdentified']) lq[name] = T[name];
  lq._loaded = true;

  // Step 7: replay what the pre-load snippet queued, in order; then take over its queue and global, so
  // code still holding the Proxy (which pushes onto window._klOnsite) keeps working.
  const queue = w._klOnsite || [];
  w._klOnsite = queue;
  const queued = queue.splice(0);
  queue.push = (...entries) => {
    for (const entry of entries) exec(entry, K);
  };
  w.klaviyo = K;
  for (const entry of queued) exec(entry, K);

  // Step 8: Active on Site, once per document load, never on pushState/popstate
  // (docs/klaviyo-notes.md#active-on-site).
  function sendActivity() {
    if (activity === 'sent') return;
    if (!identified(identity)) {
      activity = 'waiting'; // sent when a later identify succeeds
      return;
    }
    activity = 'sent';
    const ua = navigator.userAgent;
    const first = (names) => Object.entries(names).find(([s]) => ua.includes(s))?.[1] || 'Other';
    const browser = first({ 'Edg/': 'Edge', 'Firefox/': 'Firefox', 'Chrome/': 'Chrome', Safari: 'Safari' });
    const os = first({ Windows: 'Windows', Android: 'Android', iPhone: 'iOS', iPad: 'iOS', Mac: 'Mac OS X' });
    const p = { page: location.href, browser, os: os === 'Other' && ua.includes('Linux') ? 'Linux' : os };
    p.initial_page_path = location.pathname;
    let others = 0;
    new URLSearchParams(location.search).forEach((v, k) => {
      if (k === '_kx') p.kx_present = true;
      else if (k.startsWith('utm_')) p[k] = v;
      else if (k !== '_ke' && !(k in p) && others++ < 10) p[k] = v;
    });
    if (location.hash) p.fragment = location.hash.slice(1);
    const host = attempt(() => new URL(d.referrer).host, '');
    if (host && host !== location.host) p.referrer = host;
    track('__activity__', p);
  }

  if (trackingOn) {
    const now = Math.floor(Date.now() / 1000);
    const here = { ts: now, value: d.referrer, first_page: location.href };
    const firstReferrer = readJson('$referrer') || here;
    const last = readJson('$last_referrer');
    const lastReferrer = !last || now - last.ts > 1800 ? here : last;
    writeJson('$referrer', firstReferrer);
    writeJson('$last_referrer', lastReferrer);
    // Identification from email/SMS links (docs/klaviyo-notes.md#exchange-ids): _kx minted for this company,
    // _ke, utm_email.
    const params = new URLSearchParams(location.search);
    const found = {};
    const kx = params.get('_kx');
    if (kx?.split('.').pop() === ID) found._kx = kx;
    const ke = attempt(() => atob(params.get('_ke') || ''), '');
    const link = ke[0] === '{' ? attempt(() => JSON.parse(ke), {}) : { kl_email: ke };
    if (!link.kl_company_id || link.kl_company_id === ID) {
      if (link.kl_email) found.$email = link.kl_email;
      if (link.kl_phone_number) found.$phone_number = link.kl_phone_number;
    }
    if (params.get('utm_email')) found.$email = params.get('utm_email');
    if (Object.keys(found).length) {
      identify({ ...found, $referrer: firstReferrer, $last_referrer: lastReferrer }, sendActivity);
    } else sendActivity();
  }
})();
