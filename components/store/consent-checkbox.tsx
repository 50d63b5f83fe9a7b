import { CONSENT_DISCLOSURES } from '@/lib/store/consent-disclosures';

/**
 * A marketing consent box with the exact disclosure text beside it. Ticked, it submits the text's
 * version (`marketing.email` / `marketing.sms`); the server stores its own copy of that text, so what
 * the shopper agreed to is provable. Never pre-ticked.
 */
export function ConsentCheckbox({
  channel,
  error,
  defaultChecked = false,
  onChange,
}: {
  channel: keyof typeof CONSENT_DISCLOSURES;
  error?: string;
  defaultChecked?: boolean;
  onChange?: (checked: boolean) => void;
}) {
  const disclosure = CONSENT_DISCLOSURES[channel];
  const id = `consent-${channel}`;
  return (
    <div className={`consent${error ? ' field--error' : ''}`}>
      <input
        type="checkbox"
        id={id}
        name={`marketing.${channel}`}
        value={disclosure.version}
        defaultChecked={defaultChecked}
        aria-describedby={error ? `${id}-error` : undefined}
        aria-invalid={error ? true : undefined}
        onChange={onChange ? (e) => onChange(e.currentTarget.checked) : undefined}
      />
      <label htmlFor={id}>{disclosure.text}</label>
      {error ? (
        <p id={`${id}-error`} className="field__error">
          {error}
        </p>
      ) : null}
    </div>
  );
}
