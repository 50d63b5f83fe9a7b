import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { E2E_ADMIN } from '../support/app-server.js';

/** A mail the app wrote to STORE_MAIL_FILE (one JSON line per mail). */
export interface SentMail {
  to: string;
  subject?: string;
  link?: string;
}

/** A fresh file for the app to write its mail to (its STORE_MAIL_FILE). */
export const newMailFile = (): string => join(mkdtempSync(join(tmpdir(), 'e2e-mail-')), 'mail.jsonl');

/** Every mail the app has sent so far, oldest first. */
export const sentMails = (mailFile: string): SentMail[] =>
  existsSync(mailFile)
    ? readFileSync(mailFile, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as SentMail)
    : [];

/** The newest link mailed to this address, as a URL on the running app (the mail names the public origin). */
export function mailedLink(mailFile: string, appUrl: string, to: string): string {
  const mails = sentMails(mailFile);
  const found = mails.filter((m) => m.to === to).at(-1)?.link;
  if (!found) throw new Error(`no link was mailed to ${to}: ${JSON.stringify(mails)}`);
  const parsed = new URL(found);
  return `${appUrl}${parsed.pathname}${parsed.search}`;
}

export interface NewShopper {
  first: string;
  last: string;
  email: string;
  password: string;
}

/**
 * A shopper signs up and confirms by the link mailed to her; she ends on /account, signed in. The
 * tracking banner, if shown, is already answered.
 */
export async function signUpByMailedLink(
  page: Page,
  app: { url: string; mailFile: string },
  who: NewShopper,
): Promise<void> {
  await page.goto(`${app.url}/account/sign-up`);
  await page.getByLabel('First name').fill(who.first);
  await page.getByLabel('Last name').fill(who.last);
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByTestId('link-sent').waitFor();
  await page.goto(mailedLink(app.mailFile, app.url, who.email));
  await page.getByRole('button', { name: 'Confirm and sign in' }).click();
  await page.waitForURL('**/account');
}

/**
 * On the admin's sign-in page (where asking for `then` sent the browser), signs the merchant in and
 * waits to be back on `then`.
 */
export async function signInMerchant(page: Page, then: string): Promise<void> {
  await page.fill('input[name=email]', E2E_ADMIN.email);
  await page.fill('input[name=password]', E2E_ADMIN.password);
  await page.click('button[type=submit]');
  await page.waitForURL(then);
}
