import { exchangeTokenFromSearch } from './exchange';
import { installQueue } from './queue';
import type { Consent, KlaviyoOnsite, KlaviyoWindow, Properties } from './types';
import { allowTracking, withdrawTracking } from './withdraw';

/** What the browser may ask of the relay: ids only (lib/klaviyo-next/relay/track.ts). */
export type RelayBody = Record<string, string | number>;

type Method = 'identify' | 'track' | 'trackViewedItem' | 'relay';
interface Call {
  method: Method;
  args: unknown[];
  resolve: (value: unknown) => void;
}

/**
 * What a call resolves to when it is not sent: the documented "nothing happened" values
 * (docs/klaviyo-notes.md#methods).
 */
const NOT_SENT: Record<Method, unknown> = {
  identify: {},
  track: false,
  trackViewedItem: undefined,
  relay: false,
};
/** Calls kept while the shopper has not answered; beyond this the newest are dropped. */
const MAX_WAITING = 100;
/**
 * How long a track waits for identify once klaviyo.js runs: it answers only after a 2xx, and perhaps never
 * (docs/klaviyo-notes.md#methods).
 */
const IDENTIFY_WAIT_MS = 5_000;

/**
 * The gate between the page and klaviyo.js. It holds calls in memory until consent is given (nothing is
 * loaded or installed before), replays them in order, and makes every track wait for an identify in
 * flight: klaviyo.js sends identify after a 300 ms debounce and drops a track it sees meanwhile as
 * anonymous, which loses a `_kx` visitor's first Viewed Product (klaviyo/magento2-klaviyo#309,
 * docs/klaviyo-notes.md#identify-and-track-race). Server rendering never calls it (no window), and if it did,
 * calls resolve as not sent.
 */
export class OnsiteClient implements KlaviyoOnsite {
  private consent: Consent = 'pending';
  private waiting: Call[] = [];
  /** The calls sent so far, in order (see send). */
  private tail: Promise<unknown> = Promise.resolve();
  private loaded!: () => void;
  private readonly scriptLoaded = new Promise<void>((resolve) => {
    this.loaded = resolve;
  });
  /**
   * klaviyo.js's globals while consent is withdrawn (it has no unload, docs/klaviyo-notes.md#consent), to
   * restore on a new grant.
   */
  private parked: Pick<KlaviyoWindow, 'klaviyo' | '_learnq'> | undefined;

  /**
   * An email or SMS link's exchange token (docs/klaviyo-notes.md#exchange-ids), read when the page first
   * runs: by the time the shopper answers the cookie banner, a variant picker or a client navigation may have
   * rewritten the URL.
   */
  private linkToken: string | undefined;

  constructor(
    readonly companyId: string,
    readonly relayUrl?: string,
    private readonly win = (typeof window === 'undefined' ? undefined : window) as unknown as
      | KlaviyoWindow
      | undefined,
  ) {
    this.linkToken = win ? exchangeTokenFromSearch(win.location.search, companyId) : undefined;
  }

  identify = (properties: Properties) => this.call('identify', [properties]) as Promise<Properties>;
  track = (event: string, properties?: Properties) =>
    this.call('track', [event, properties]) as Promise<boolean>;
  trackViewedItem = (item: Properties) => this.call('trackViewedItem', [item]) as Promise<void>;
  /** Posts ids to the server relay (past ad blockers), with the same consent and ordering as the rest. */
  relay = (body: RelayBody) => this.call('relay', [body]) as Promise<boolean>;

  /** next/script's onReady: from now on an identify that never answers stops holding tracks back. */
  onScriptReady = () => this.loaded();

  setConsent(consent: Consent): void {
    const win = this.win;
    if (!win || consent === this.consent) return;
    this.consent = consent;
    if (consent === 'granted') {
      allowTracking(win);
      if (this.parked) Object.assign(win, this.parked);
      this.parked = undefined;
      installQueue(win);
      // An email link's exchange token identifies the visitor before anything is tracked
      // (docs/klaviyo-notes.md#identify-and-track-race).
      const token = this.linkToken;
      this.linkToken = undefined;
      if (token) this.send({ method: 'identify', args: [{ _kx: token }], resolve: () => {} });
      for (const call of this.waiting.splice(0)) this.send(call);
    } else if (consent === 'denied') {
      for (const call of this.waiting.splice(0)) call.resolve(NOT_SENT[call.method]);
      // klaviyo.js reads __kla_off only when it starts, so a loaded one is cut off from the page's calls
      // (and a queued call from ever reaching it) by taking its globals away until consent returns.
      if (win.klaviyo) {
        this.parked ??= { klaviyo: win.klaviyo, _learnq: win._learnq };
        win.klaviyo = undefined;
        win._learnq = [];
        win._klOnsite = [];
      }
      withdrawTracking(win);
    }
  }

  private call(method: Method, args: unknown[]): Promise<unknown> {
    return new Promise((resolve) => {
      const call = { method, args, resolve };
      if (this.consent === 'granted' && this.win) this.send(call);
      else if (this.consent === 'pending' && this.win && this.waiting.length < MAX_WAITING)
        this.waiting.push(call);
      else resolve(NOT_SENT[method]);
    });
  }

  /**
   * Calls reach klaviyo.js one after another, in the order made; an identify holds back what follows
   * until klaviyo.js answers it (or, once the script runs, IDENTIFY_WAIT_MS passes). Other calls are
   * not waited for: their promises settle only when klaviyo.js has loaded and drained its queue.
   */
  private send(call: Call): void {
    this.tail = this.tail.then(() => {
      const sent = this.dispatch(call);
      if (call.method !== 'identify') return;
      const timeout = this.scriptLoaded.then(() => new Promise((r) => setTimeout(r, IDENTIFY_WAIT_MS)));
      return Promise.race([sent, timeout]);
    });
  }

  private dispatch({ method, args, resolve }: Call): Promise<unknown> {
    const klaviyo = this.win?.klaviyo;
    if (this.consent !== 'granted' || !klaviyo) {
      resolve(NOT_SENT[method]);
      return Promise.resolve();
    }
    const sent =
      method === 'relay'
        ? postRelay(this.relayUrl, args[0] as RelayBody)
        : method === 'identify'
          ? klaviyo.identify(args[0] as Properties)
          : method === 'track'
            ? klaviyo.track(args[0] as string, args[1] as Properties | undefined)
            : klaviyo.trackViewedItem(args[0] as Properties);
    sent.then(resolve, () => resolve(NOT_SENT[method]));
    return sent;
  }
}

/** The relay answers 202 whether or not it forwarded; keepalive lets a request outlive a navigation. */
async function postRelay(url: string | undefined, body: RelayBody): Promise<boolean> {
  if (!url) return false;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    keepalive: true,
  });
  return response.ok;
}
