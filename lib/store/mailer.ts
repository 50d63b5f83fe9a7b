import 'server-only';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One email the store sends. `link` repeats the one link in `text`, for the console and tests. */
export interface Mail {
  to: string;
  subject: string;
  text: string;
  link?: string;
}

/**
 * How the store sends mail. A function, so a real provider (SMTP, an API) replaces the demo's
 * without touching the callers; it resolves once the mail is handed over and throws when it is not.
 */
export type Mailer = (mail: Mail) => Promise<void>;

/** Appends each mail as one JSON line to a file: the demo's "outbox" that tests and the e2e read. */
export function fileMailer(path: string): Mailer {
  return async (mail) => {
    await mkdir(dirname(path), { recursive: true });
    await appendFile(path, `${JSON.stringify({ ...mail, sentAt: new Date().toISOString() })}\n`);
  };
}

/** Development: prints each mail once to the server console, the link on its own line. */
export function consoleMailer(print: (line: string) => void = console.log): Mailer {
  return async (mail) => {
    print(`[mail] to ${mail.to}: ${mail.subject}${mail.link ? `\n[mail]   ${mail.link}` : ''}`);
  };
}

/** Hands each mail to every mailer in turn. */
export function allMailers(mailers: Mailer[]): Mailer {
  return async (mail) => {
    for (const send of mailers) await send(mail);
  };
}

/** Production without a mail transport: refusing beats pretending a link was sent. */
export const noMailer: Mailer = async () => {
  throw new Error('No mail transport is configured (set STORE_MAIL_FILE or plug a Mailer into the store).');
};
