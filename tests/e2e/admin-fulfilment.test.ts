// biome-ignore-all lint/performance/useDomNodeTextContent: these are Playwright's Locator.innerText(), which waits for the element; not the DOM property
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, describeWithChromium } from '../support/requirements.js';
import { type AdminStack, SCREENSHOTS, startAdminStack } from './admin-app.js';
import { signInMerchant } from './steps.js';

/**
 * Fulfilment in the admin, in Chromium over the production build: a shopper places an order of two
 * tees and a mug set in the store; the merchant signs in, finds it under Orders, ships one tee with a
 * UPS tracking number (an over-count is refused by field first), then the rest by USPS, confirms and
 * delivers the first shipment, and refunds the mug set. Each step's event is checked at the emulator.
 */
describeWithChromium('admin fulfilment', { shuffle: false }, () => {
  let stack: AdminStack;
  let browser: Browser;
  let page: Page;
  let orderId = '';
  const url = (path: string) => `${stack.app.url}${path}`;
  const shot = (name: string) =>
    page.screenshot({ path: join(SCREENSHOTS, `admin-fulfilment-${name}.png`), fullPage: true });
  const UPS = '1Z999AA10123456784';
  const USPS = '9400100000000000000000';

  /** The order's lifecycle events at the emulator, by unique_id, once the app has delivered them. */
  const delivered = async (count: number) => {
    let byId: Record<string, { metric: string; properties: Record<string, unknown> }> = {};
    await expect
      .poll(
        async () => {
          await stack.drain();
          const { events } = await stack.emu.inspect('?events=full');
          byId = Object.fromEntries(
            (events as { metric: string; uniqueId: string; properties: Record<string, unknown> }[])
              .filter((e) => e.properties.OrderId === orderId && !/Placed|Ordered/.test(e.metric))
              .map((e) => [e.uniqueId, e]),
          );
          return Object.keys(byId).length;
        },
        { timeout: 30_000, interval: 500 },
      )
      .toBe(count);
    return byId;
  };

  beforeAll(async () => {
    stack = await startAdminStack();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('a shopper places an order in the store', async () => {
    const shopper = await (await browser.newContext()).newPage();
    await shopper.goto(url('/products/organic-cotton-tee'));
    await shopper.getByRole('button', { name: 'Decline' }).click();
    for (let i = 0; i < 2; i++) {
      await shopper.getByRole('button', { name: /^Add to bag/ }).click();
      await shopper.getByText('Added to your bag.').waitFor();
    }
    await shopper.goto(url('/products/stoneware-mug-set'));
    await shopper.getByRole('button', { name: /^Add to bag/ }).click();
    await shopper.getByText('Added to your bag.').waitFor();
    await shopper.goto(url('/checkout'));
    await shopper.getByLabel('Email', { exact: true }).fill('mary.shelley@example.com');
    await shopper.getByLabel('First name').fill('Mary');
    await shopper.getByLabel('Last name').fill('Shelley');
    await shopper.getByLabel('Address', { exact: true }).fill('1 Lake Road');
    await shopper.getByLabel('City').fill('Geneva');
    await shopper.getByLabel(/State/).fill('NY');
    await shopper.getByLabel('Postal code').fill('14456');
    await shopper.getByRole('button', { name: /^Place order/ }).click();
    await shopper.waitForURL('**/orders/NW-*');
    orderId = await shopper.getByTestId('order-number').innerText();
    expect(orderId).toMatch(/^NW-\d+$/);
    await shopper.context().close();
  });

  it('signs the merchant in and finds the order under Orders', async () => {
    await page.goto(url('/admin/orders'));
    expect(new URL(page.url()).pathname).toBe('/admin/sign-in');
    await signInMerchant(page, url('/admin/orders'));
    await page.fill('input[name=q]', 'mary.shelley');
    await page.click('button:has-text("Search")');
    const row = page.locator('[data-testid=orders-table] tbody tr', { hasText: orderId });
    await expect(row.innerText()).resolves.toContain('Unfulfilled');
    await shot('list');
    await row.getByRole('link', { name: orderId }).click();
    await page.waitForURL(url(`/admin/orders/${orderId}`));
    await expect(page.getByTestId('order-status').innerText()).resolves.toBe('Unfulfilled');
  });

  it('ships one tee with a UPS tracking number, refusing an over-count by field first', async () => {
    const form = page.getByTestId('fulfil-form');
    await form.getByLabel(/Ship now: Organic Cotton Tee/).fill('3');
    await form.getByLabel(/Ship now: Stoneware Mug Set/).fill('0');
    await form.getByLabel('Carrier').selectOption('UPS');
    await form.getByLabel('Tracking number').fill(UPS);
    await form.getByRole('button', { name: 'Fulfil' }).click();
    const error = page.getByTestId('fulfil-error');
    await expect(error.innerText()).resolves.toMatch(/Only 2 of .* left to ship/);
    await expect(error.getAttribute('data-field')).resolves.toBe('lines.0.quantity');

    await form.getByLabel(/Ship now: Organic Cotton Tee/).fill('1');
    await form.getByRole('button', { name: 'Fulfil' }).click();
    await page.getByTestId(`shipment-${orderId}-F1`).waitFor();
    await expect(page.getByTestId('order-status').innerText()).resolves.toBe('Partly fulfilled');
    await expect(
      page.getByTestId(`shipment-${orderId}-F1`).getByRole('link', { name: UPS }).getAttribute('href'),
    ).resolves.toBe(`https://www.ups.com/track?tracknum=${UPS}`);
    await shot('partly-fulfilled');

    const events = await delivered(1);
    expect(events[`fulfilled-order:${orderId}:${orderId}-F1`]).toMatchObject({
      metric: 'Fulfilled Partial Order',
      properties: {
        $value: 32,
        Carrier: 'UPS',
        TrackingNumber: UPS,
        TrackingURL: `https://www.ups.com/track?tracknum=${UPS}`,
        IsPartial: true,
      },
    });
  });

  it('ships the rest by USPS: the order is fulfilled', async () => {
    const form = page.getByTestId('fulfil-form');
    // The form starts again from what is left: one tee and the mug set.
    await expect(form.getByLabel(/Ship now: Organic Cotton Tee/).inputValue()).resolves.toBe('1');
    await form.getByLabel('Carrier').selectOption('USPS');
    await form.getByLabel('Tracking number').fill(USPS);
    await form.getByRole('button', { name: 'Fulfil' }).click();
    await page.getByTestId(`shipment-${orderId}-F2`).waitFor();
    await expect(page.getByTestId('order-status').innerText()).resolves.toBe('Fulfilled');
    await expect(page.getByTestId('fulfil-form').count()).resolves.toBe(0);
    const events = await delivered(2);
    expect(events[`fulfilled-order:${orderId}:${orderId}-F2`]).toMatchObject({
      metric: 'Fulfilled Order',
      properties: {
        Carrier: 'USPS',
        TrackingURL: `https://tools.usps.com/go/TrackConfirmAction?tLabels=${USPS}`,
        IsPartial: false,
      },
    });
  });

  it('confirms and delivers the first shipment', async () => {
    const first = page.getByTestId(`shipment-${orderId}-F1`);
    await first.getByRole('button', { name: 'Confirm shipment' }).click();
    await first.getByTestId('shipment-status').getByText('Confirmed by carrier').waitFor();
    await first.getByRole('button', { name: 'Mark delivered' }).click();
    await first.getByTestId('shipment-status').getByText('Delivered').waitFor();
    await expect(first.getByRole('button').count()).resolves.toBe(0);
    await shot('delivered');
    const events = await delivered(4);
    expect(events[`confirmed-shipment:${orderId}:${orderId}-F1`]).toMatchObject({
      metric: 'Confirmed Shipment',
      properties: {
        FulfillmentId: `${orderId}-F1`,
        TrackingURL: `https://www.ups.com/track?tracknum=${UPS}`,
      },
    });
    expect(events[`delivered-shipment:${orderId}:${orderId}-F1`]).toMatchObject({
      metric: 'Delivered Shipment',
      properties: { $value: 32 },
    });
  });

  it('refunds the mug set: a positive Refunded Order of its price', async () => {
    const form = page.getByTestId('refund-form');
    await form.getByLabel(/Refund: Stoneware Mug Set/).fill('1');
    await form.getByLabel('Refund reason').fill('chipped in transit');
    await form.getByRole('button', { name: 'Refund' }).click();
    await page.getByTestId('refunds-table').getByText(`${orderId}-R1`).waitFor();
    await expect(page.getByTestId('order-refunded').innerText()).resolves.toBe('$48.00');
    await expect(page.getByTestId('order-status').innerText()).resolves.toBe('Partly refunded');
    await shot('refunded');
    const events = await delivered(5);
    expect(events[`refunded-order:${orderId}:${orderId}-R1`]).toMatchObject({
      metric: 'Refunded Order',
      properties: { $value: 48, RefundId: `${orderId}-R1`, IsPartial: true, Reason: 'chipped in transit' },
    });
  });
});
