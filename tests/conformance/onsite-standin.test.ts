import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Account } from '../../emulator/store/account.js';
import { type TestEmulator, withEmulator } from '../support/emulator.js';
import { KLAVIYO_OBJECT_SNIPPET } from '../support/klaviyo-snippet.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, describeWithChromium } from '../support/requirements.js';

/**
 * The klaviyo.js stand-in (emulator/onsite/klaviyo-standin.js) against
 * docs/klaviyo-notes.md#offline-stand-in: driven in Chromium from a page on another origin, its /client/*
 * requests go to the emulator, which validates every request body against Klaviyo's spec and records what it
 * accepted. Requests are also captured in the browser to check endpoints and headers
 * (docs/klaviyo-notes.md#client-requests).
 */
let emu: TestEmulator;
let browser: Browser;
let site: Server;
let siteUrl: string;

interface Seen {
  url: string;
  headers: Record<string, string>;
  body: any;
  status?: number;
}

withEmulator({}, (started) => {
  emu = started;
});

beforeAll(async () => {
  // The storefront: a blank page on localhost, while the emulator is on 127.0.0.1 (cross-site, as in dev).
  site = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><html><head><title>shop</title></head><body>shop</body></html>');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://localhost:${(site.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => site?.close(resolve));
});

/** A fresh account (so counts start at zero) and a fresh browser context (so no cookies carry over). */
async function open(path = '/', options: { cookies?: { name: string; value: string }[] } = {}) {
  const { account } = emu.emulator.createAccount({ name: 'Stand-in test' });
  const context = await browser.newContext();
  if (options.cookies) {
    await context.addCookies(options.cookies.map((c) => ({ ...c, url: siteUrl })));
  }
  const page = await context.newPage();
  const seen: Seen[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(`${emu.url}/client/`)) return;
    seen.push({ url: request.url(), headers: request.headers(), body: request.postDataJSON() });
  });
  page.on('response', (response) => {
    const entry = seen.find((s) => s.url === response.url() && s.status === undefined);
    if (entry) entry.status = response.status();
  });
  await page.goto(`${siteUrl}${path}`);
  const scriptUrl = `${emu.url}/onsite/js/${account.id}/klaviyo.js`;
  const inspect = () => emu.control(`/accounts/${account.id}?events=full`);
  return { page, seen, account, scriptUrl, inspect, context };
}

const load = (page: Page, url: string) => page.addScriptTag({ url });
const idle = (page: Page, ms = 600) => page.waitForTimeout(ms);
const cookieOf = async (page: Page) => {
  const cookies = await page.context().cookies();
  const value = cookies.find((c) => c.name === '__kla_id')?.value;
  return value ? JSON.parse(Buffer.from(decodeURIComponent(value), 'base64').toString('utf8')) : undefined;
};
const profilePosts = (seen: Seen[]) => seen.filter((s) => s.url.includes('/client/profiles/'));
const eventPosts = (seen: Seen[], name?: string) =>
  seen.filter(
    (s) =>
      s.url.includes('/client/events/') &&
      (!name || s.body.data.attributes.metric.data.attributes.name === name),
  );
const profileOf = (account: Account, email: string) =>
  [...account.profiles.values()].find((p) => p.attributes.email === email);

describeWithChromium('klaviyo.js stand-in', () => {
  it('is served at the path and query URLs, templated with the emulator as API base', async () => {
    const byPath = await fetch(`${emu.url}/onsite/js/ABC123/klaviyo.js`);
    expect(byPath.status).toBe(200);
    expect(byPath.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(await byPath.text()).toContain(`{"apiBase":"${emu.url}"}`);
    expect((await fetch(`${emu.url}/onsite/js/klaviyo.js?company_id=ABC123`)).status).toBe(200);
    expect((await fetch(`${emu.url}/onsite/js/klaviyo.js`)).status).toBe(404);
  });

  it('answers the CORS preflight of /client/* for exactly the headers klaviyo.js sends', async () => {
    const response = await fetch(`${emu.url}/client/events/?company_id=ABC123`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:3000',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,revision,x-klaviyo-onsite,x-klaviyo-js-url',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const allowed = response.headers.get('access-control-allow-headers') ?? '';
    expect(allowed.split(', ').sort()).toEqual([
      'accept',
      'content-type',
      'revision',
      'x-klaviyo-js-url',
      'x-klaviyo-onsite',
    ]);
    expect(allowed).not.toContain('authorization');
  });

  it('defines the globals and a cid cookie on load, and refuses a second company', async () => {
    const { page, scriptUrl, seen } = await open();
    const warnings: string[] = [];
    page.on('console', (m) => warnings.push(m.text()));
    await load(page, scriptUrl);
    const globals = await page.evaluate(() => {
      const w = window as any;
      return {
        modules: w.klaviyoModulesObject.companyId,
        enumerable: Object.keys(window).includes('klaviyoModulesObject'),
        learnq: w._learnq._loaded,
        methods: [
          'identify',
          'track',
          'trackViewedItem',
          'isIdentified',
          'account',
          'cookieDomain',
          'openForm',
          'getGroupMembership',
          'push',
        ].filter((m) => typeof w.klaviyo[m] === 'function').length,
        klKey: w.__klKey,
      };
    });
    expect(globals).toMatchObject({ enumerable: false, learnq: true, methods: 9 });
    expect(globals.modules).toBe(globals.klKey);
    const cookie = await cookieOf(page);
    expect(Buffer.from(cookie.cid, 'base64').toString()).toMatch(/^[0-9a-f-]{36}$/);
    await load(page, `${emu.url}/onsite/js/XYZ789/klaviyo.js`);
    expect(warnings.some((w) => w.includes('Skipping account XYZ789'))).toBe(true);
    await idle(page, 200);
    expect(seen).toEqual([]); // an anonymous visitor: nothing is sent
  });

  it('identify sends one client/profiles POST with klaviyo.js headers, then stores the exchange id', async () => {
    const { page, scriptUrl, seen, account } = await open();
    await load(page, scriptUrl);
    const identity = await page.evaluate(() =>
      (window as any).klaviyo.identify({
        $email: 'ann@example.com',
        $first_name: 'Ann',
        $city: 'Oslo',
        Plan: 'gold',
      }),
    );
    expect(identity).toEqual({ $email: 'ann@example.com', $first_name: 'Ann', $city: 'Oslo', Plan: 'gold' });
    const [request, ...more] = profilePosts(seen);
    expect(more).toEqual([]);
    expect(request?.url).toBe(`${emu.url}/client/profiles/?company_id=${account.id}`);
    expect(request?.headers).toMatchObject({
      'content-type': 'application/json',
      accept: 'application/json',
      'x-klaviyo-onsite': '1',
      'x-klaviyo-js-url': 'path',
    });
    expect(request?.headers.revision).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(request?.headers).not.toHaveProperty('authorization');
    expect(request?.headers).not.toHaveProperty('cookie');
    expect(request?.status).toBe(202);
    expect(request?.body).toEqual({
      data: {
        type: 'profile',
        attributes: {
          email: 'ann@example.com',
          first_name: 'Ann',
          location: { city: 'Oslo' },
          properties: { Plan: 'gold' },
        },
      },
    });
    const cookie = await cookieOf(page);
    expect(Object.keys(cookie).sort()).toEqual(['$exchange_id', 'cid']); // emails never stay in the cookie
    // The exchange id is the one Klaviyo (the emulator) issued for Ann's profile, not one the script made.
    expect(cookie.$exchange_id).toMatch(new RegExp(`\\.${account.id}$`));
    expect(cookie.$exchange_id).toBe(profileOf(account, 'ann@example.com')?.exchangeId);
    const kx = await page.evaluate(() => sessionStorage.getItem('_kx'));
    expect(Buffer.from(kx ?? '', 'base64').toString()).toBe(cookie.$exchange_id);
    expect(profileOf(account, 'ann@example.com')?.attributes).toMatchObject({
      first_name: 'Ann',
      properties: { Plan: 'gold' },
    });
  });

  it('identify calls within the debounce window are merged into one profile write', async () => {
    const { page, scriptUrl, seen } = await open();
    await load(page, scriptUrl);
    await page.evaluate(() => {
      const k = (window as any).klaviyo;
      return Promise.all([k.identify({ $email: 'bo@example.com' }), k.identify({ $last_name: 'Berg' })]);
    });
    expect(profilePosts(seen)).toHaveLength(1);
    expect(seen[0]?.body.data.attributes).toMatchObject({ email: 'bo@example.com', last_name: 'Berg' });
    // Unchanged identity: resolved at once, no request.
    await page.evaluate(() => (window as any).klaviyo.identify({ $email: 'bo@example.com' }));
    await idle(page, 400);
    expect(profilePosts(seen)).toHaveLength(1);
  });

  it('track sends client/events with the profile by exchange id and hoisted value, time and unique_id', async () => {
    const { page, scriptUrl, seen, inspect, account } = await open();
    await load(page, scriptUrl);
    const sent = await page.evaluate(async () => {
      const k = (window as any).klaviyo;
      await k.identify({ $email: 'cy@example.com' });
      return k.track('Added to Cart', {
        $value: 29.5,
        $event_id: 'added-to-cart:c1:1',
        time: '2026-01-02T03:04:05Z',
        AddedItemProductName: 'Tee',
      });
    });
    expect(sent).toBe(true);
    await idle(page);
    const [event] = eventPosts(seen, 'Added to Cart');
    expect(event?.url).toBe(`${emu.url}/client/events/?company_id=${account.id}`);
    expect(event?.headers.revision).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(event?.status).toBe(202);
    const exchangeId = (await cookieOf(page)).$exchange_id;
    expect(event?.body).toEqual({
      data: {
        type: 'event',
        attributes: {
          properties: { AddedItemProductName: 'Tee', $use_ip: true, $is_session_activity: true },
          metric: { data: { type: 'metric', attributes: { name: 'Added to Cart', service: 'api' } } },
          time: '2026-01-02T03:04:05Z',
          value: 29.5,
          unique_id: 'added-to-cart:c1:1',
          profile: {
            data: {
              type: 'profile',
              attributes: {
                properties: { $exchange_id: exchangeId },
                _kx: exchangeId,
                email: 'cy@example.com',
              },
            },
          },
        },
      },
    });
    const recorded = (await inspect()).events.filter((e: any) => e.metric === 'Added to Cart');
    expect(recorded).toMatchObject([
      { email: 'cy@example.com', uniqueId: 'added-to-cart:c1:1', source: 'client' },
    ]);
  });

  it('an anonymous track makes no request and resolves false', async () => {
    const { page, scriptUrl, seen } = await open();
    await load(page, scriptUrl);
    const result = await page.evaluate(async () => {
      const k = (window as any).klaviyo;
      return {
        tracked: await k.track('Viewed Product', { ProductID: 'x' }),
        identified: await k.isIdentified(),
      };
    });
    expect(result).toEqual({ tracked: false, identified: false });
    await idle(page);
    expect(seen).toEqual([]);
    expect(await page.evaluate(() => (window as any).__klaviyoStandin.dropped)).toEqual([
      { event: 'Viewed Product', properties: { ProductID: 'x' } },
    ]);
  });

  it('replays calls queued by the official snippet in order, with their callbacks and promises', async () => {
    // An identified returning visitor: the cookie holds an exchange id the emulator knows.
    const first = await open();
    await load(first.page, first.scriptUrl);
    await first.page.evaluate(() => (window as any).klaviyo.identify({ $email: 'dee@example.com' }));
    const cookies = await first.context.cookies();
    const { page, seen } = first;
    await page.goto(siteUrl);
    await page.context().addCookies(cookies);
    seen.length = 0;
    await page.evaluate(KLAVIYO_OBJECT_SNIPPET);
    const replies = page.evaluate(() => {
      const k = (window as any).klaviyo;
      const calls: unknown[] = [];
      k.push(['track', 'Queued Push', { n: 0 }, (v: unknown) => calls.push(['push callback', v])]);
      return Promise.all([
        k.track('Queued One', { n: 1 }, (v: unknown) => calls.push(['callback', v])),
        k.track('Queued Two', { n: 2 }),
        k.isIdentified(),
        k.account(),
      ]).then((values) => ({ values, calls }));
    });
    await page.waitForTimeout(50);
    expect(await page.evaluate(() => (window as any)._klOnsite.length)).toBe(5);
    await load(page, first.scriptUrl);
    const { values, calls } = await replies;
    expect(values).toEqual([true, true, true, first.account.id]);
    expect(calls).toEqual([
      ['push callback', true],
      ['callback', true],
    ]);
    await idle(page);
    const names = seen.map((s) => s.body.data.attributes.metric?.data.attributes.name);
    expect(names.slice(0, 3)).toEqual(['Queued Push', 'Queued One', 'Queued Two']);
    expect(names).toContain('__activity__'); // after the queue, once: the visitor is identified
    const recorded = (await first.inspect()).events.filter((e: any) => e.metric.startsWith('Queued'));
    expect(recorded.map((e: any) => e.email)).toEqual([
      'dee@example.com',
      'dee@example.com',
      'dee@example.com',
    ]);
  });

  it('drops a track queued right behind a first identify, like klaviyo.js (identify race)', async () => {
    const { page, scriptUrl, seen } = await open();
    await page.evaluate(KLAVIYO_OBJECT_SNIPPET);
    const result = page.evaluate(() => {
      const k = (window as any).klaviyo;
      return Promise.all([k.identify({ $email: 'eve@example.com' }), k.track('Too Early')]);
    });
    await load(page, scriptUrl);
    expect((await result)[1]).toBe(false);
    await idle(page);
    expect(profilePosts(seen)).toHaveLength(1);
    expect(eventPosts(seen, 'Too Early')).toEqual([]);
    // Identified now, the visitor's Active on Site follows (docs/klaviyo-notes.md#active-on-site).
    expect(eventPosts(seen).map((e) => e.body.data.attributes.metric.data.attributes.name)).toEqual([
      '__activity__',
    ]);
  });

  it('drains the legacy _learnq: account, cookieDomain and identify first, then the rest', async () => {
    const { page, scriptUrl, seen, inspect } = await open();
    await page.evaluate(() => {
      const w = window as any;
      w._learnq = [
        ['track', 'Legacy Event', { a: 1 }],
        ['identify', { $email: 'fay@example.com' }],
      ];
    });
    await load(page, scriptUrl);
    await idle(page);
    // identify ran first but is debounced, so the track after it still saw an anonymous visitor
    expect(profilePosts(seen)[0]?.body.data.attributes.email).toBe('fay@example.com');
    expect(eventPosts(seen, 'Legacy Event')).toEqual([]);
    expect(await page.evaluate(() => (window as any)._learnq._loaded)).toBe(true);
    await page.evaluate(() => (window as any)._learnq.push(['track', 'Legacy Later', {}]));
    await idle(page, 200);
    expect((await inspect()).events.map((e: any) => e.metric)).toContain('Legacy Later');
  });

  it('an email link with _kx identifies by it, then sends Active on Site once', async () => {
    const probe = emu.emulator.createAccount({ name: 'kx' }).account;
    // Klaviyo issued this token for gus@example.com's profile and put it in the email link.
    const token = probe.exchangeIdOf(probe.createProfile({ attributes: { email: 'gus@example.com' } }));
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen: Seen[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(`${emu.url}/client/`))
        seen.push({ url: r.url(), headers: r.headers(), body: r.postDataJSON() });
    });
    await page.goto(`${siteUrl}/landing?_kx=${encodeURIComponent(token)}&utm_campaign=spring`);
    await load(page, `${emu.url}/onsite/js/${probe.id}/klaviyo.js`);
    await idle(page, 900);
    expect(seen[0]?.body.data.attributes).toMatchObject({
      _kx: token,
      properties: { $referrer: { first_page: expect.stringContaining('/landing') } },
    });
    const activity = seen[1]?.body.data.attributes;
    expect(activity?.metric.data.attributes.name).toBe('__activity__');
    expect(activity?.properties).toMatchObject({
      kx_present: true,
      utm_campaign: 'spring',
      initial_page_path: '/landing',
    });
    await page.evaluate(() => history.pushState({}, '', '/elsewhere'));
    await idle(page, 300);
    expect(seen).toHaveLength(2);
    const recorded = [...probe.events.values()];
    expect(recorded).toHaveLength(1);
    expect(probe.profiles.get(recorded[0]?.profileId ?? '')?.attributes.email).toBe('gus@example.com');
    await context.close();
  });

  it('an email typed after a _kx visit goes on the profile the link named, keeping its exchange id', async () => {
    const probe = emu.emulator.createAccount({ name: 'kx then email' }).account;
    // Klaviyo issued this token for the phone number it texted the link to.
    const token = probe.exchangeIdOf(probe.createProfile({ attributes: { phone_number: '+12025550123' } }));
    const { page, seen } = await open(`/landing?_kx=${encodeURIComponent(token)}`);
    await load(page, `${emu.url}/onsite/js/${probe.id}/klaviyo.js`);
    await idle(page, 900);
    await page.evaluate(() => (window as any).klaviyo.identify({ $email: 'hal@example.com' }));
    const typed = profilePosts(seen).at(-1)?.body.data.attributes;
    expect(typed).toMatchObject({
      email: 'hal@example.com',
      _kx: token,
      properties: { $exchange_id: token },
    });
    expect((await cookieOf(page)).$exchange_id).toBe(token);
    expect([...probe.profiles.values()].map((p) => [p.attributes.phone_number, p.attributes.email])).toEqual([
      ['+12025550123', 'hal@example.com'],
    ]);
    await page.context().close();
  });

  it('makes no request at all while __kla_off=true, yet settles every call', async () => {
    const { page, scriptUrl, seen } = await open('/', { cookies: [{ name: '__kla_off', value: 'true' }] });
    await load(page, scriptUrl);
    const results = await page.evaluate(async () => {
      const k = (window as any).klaviyo;
      return [
        await k.identify({ $email: 'hal@example.com' }),
        await k.track('Nope'),
        await k.trackViewedItem({ ItemId: 'x' }),
      ];
    });
    expect(results).toEqual([{}, false, undefined]);
    await idle(page);
    expect(seen).toEqual([]);
    expect((await page.context().cookies()).map((c) => c.name)).toEqual(['__kla_off']);
  });

  it('trackViewedItem keeps __kla_viewed and writes $viewed_items to an identified profile only', async () => {
    const { page, scriptUrl, seen, account } = await open();
    await load(page, scriptUrl);
    await page.evaluate(() => (window as any).klaviyo.trackViewedItem({ ItemId: 'tee', Title: 'Tee' }));
    await idle(page, 400);
    expect(seen).toEqual([]);
    await page.evaluate(async () => {
      const k = (window as any).klaviyo;
      await k.identify({ $email: 'ida@example.com' });
      await k.trackViewedItem({ ItemId: 'tee', Title: 'Tee' });
      await k.trackViewedItem({ ItemId: 'mug', Title: 'Mug' });
    });
    await idle(page);
    const viewed = seen.at(-1)?.body.data.attributes.properties.$viewed_items;
    expect(viewed).toMatchObject([
      { ItemId: 'mug', Views: 1 },
      { ItemId: 'tee', Views: 2 },
    ]);
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('__kla_viewed') ?? '[]'));
    expect(stored.map((e: [{ ItemId: string }, number]) => [e[0].ItemId, e[1]])).toEqual([
      ['mug', 1],
      ['tee', 2],
    ]);
    expect(Object.keys(await cookieOf(page)).sort()).toEqual(['$exchange_id', 'cid']);
    expect(profileOf(account, 'ida@example.com')?.attributes.properties.$viewed_items).toHaveLength(2);
  });

  it('openForm dispatches a klaviyoForms open event', async () => {
    const { page, scriptUrl, account } = await open();
    await load(page, scriptUrl);
    const detail = await page.evaluate(
      () =>
        new Promise((resolve) => {
          window.addEventListener('klaviyoForms', (e) => resolve((e as CustomEvent).detail));
          (window as any).klaviyo.openForm('FORM01');
        }),
    );
    expect(detail).toEqual({ type: 'open', formId: 'FORM01', companyId: account.id, metaData: {} });
  });
});
