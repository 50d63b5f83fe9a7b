/**
 * Finding a person's email or phone in stored text. SQL narrows with LIKE (a superset: `_` and `%`
 * are escaped, and a shorter address inside a longer one matches too), then `names` decides with
 * boundaries, so "ada@x.com" never takes "bada@x.com"'s messages, nor "+1415555013" those of
 * "+14155550132": dropping another person's waiting message would lose it.
 */

/** A LIKE pattern for text containing `needle`, with `\` as the escape (ESCAPE '\'). */
export const containing = (needle: string) => `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Characters that may continue an email on either side (local part before, domain after). */
const EMAIL_BEFORE = "(?<![A-Za-z0-9.!#$%&'*+/=?^_`{|}~-])";
const EMAIL_AFTER = '(?![A-Za-z0-9-]|\\.[A-Za-z0-9])';

/**
 * Each identifier as the plugin may have written it: as it is, and URL-encoded (a consent message's
 * key is built with encodeURIComponent: `consent:email:…:ada%40x.com:…`, `%2B1415…`).
 */
export const writtenForms = (identifiers: readonly string[]) => [
  ...new Set(identifiers.flatMap((i) => [i, encodeURIComponent(i)])),
];

/** One matcher for all of a person's identifiers, in every written form; emails case-insensitively. */
export function identifierMatcher(emails: readonly string[], phones: readonly string[]) {
  const patterns = [
    ...writtenForms(emails).map((e) => `${EMAIL_BEFORE}${escapeRegExp(e)}${EMAIL_AFTER}`),
    ...writtenForms(phones).map((p) => `(?<![0-9+])${escapeRegExp(p)}(?![0-9])`),
  ];
  if (patterns.length === 0) return { names: (_text: string | null | undefined) => false };
  const pattern = new RegExp(patterns.join('|'), 'i');
  return { names: (text: string | null | undefined) => (text ? pattern.test(text) : false) };
}

/** The subject's identifiers, normalised as the plugin writes them: emails trimmed and lower-cased. */
export function normalisedIdentifiers(subject: { emails: readonly string[]; phones: readonly string[] }) {
  const emails = [...new Set(subject.emails.map((e) => e.trim().toLowerCase()).filter(Boolean))];
  const phones = [...new Set(subject.phones.map((p) => p.trim()).filter(Boolean))];
  return { emails, phones };
}
