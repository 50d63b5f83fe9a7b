'use client';

import { type ComponentProps, useActionState, useEffect, useRef, useState } from 'react';
import { TrackStartedCheckout } from '@/components/klaviyo/track-started-checkout';
import type { CartSnapshot } from '@/lib/klaviyo-next/events/types';
import type { FormState } from '@/lib/klaviyo-next/http/action-result';
import { ConsentCheckbox } from './consent-checkbox';
import { SelectField, TextField } from './field';
import { fieldMessage, formMessage } from './form-errors';
import { SubmitButton } from './submit-button';

export type CheckoutState = FormState<{
  /** What was submitted, to put back after a refusal (React resets a form after its action). */
  values?: Record<string, string>;
}>;

const FIELDS = {
  email: 'Email',
  phone: 'Phone',
  firstName: 'First name',
  lastName: 'Last name',
  'shippingAddress.address1': 'Address',
  'shippingAddress.address2': 'Apartment, suite',
  'shippingAddress.city': 'City',
  'shippingAddress.region': 'State / region',
  'shippingAddress.zip': 'Postal code',
  'shippingAddress.country': 'Country',
  'marketing.email': 'Email consent',
  'marketing.sms': 'SMS consent',
} as const;
type FieldName = keyof typeof FIELDS;

/**
 * The checkout form, posting to the `submitCheckout` server action (which places the order and moves on
 * to its confirmation). Field names are exactly the checkout schema's (it refuses anything else), the
 * cart travels in a hidden field, and the marketing boxes carry the version of the text they show.
 * It tracks Started Checkout for the cart on screen, and again with the email once a valid one is
 * entered, which is when Klaviyo first knows a guest.
 */
export function CheckoutForm({
  action,
  cart,
  cartId,
  totalLabel,
  countries,
  defaults,
}: {
  action: (previous: CheckoutState, form: FormData) => Promise<CheckoutState>;
  /** The cart for Started Checkout; none when it could not be priced. */
  cart?: CartSnapshot;
  cartId: string;
  totalLabel: string;
  countries: { code: string; name: string }[];
  defaults: { email?: string; firstName?: string; lastName?: string; country: string };
}) {
  const [state, submit] = useActionState(action, {});
  const [sms, setSms] = useState(Boolean(state.values?.['marketing.sms']));
  const [enteredEmail, setEnteredEmail] = useState<string>();
  const v = state.values;
  const value = (name: FieldName, fallback?: string) => v?.[name] ?? fallback;
  const err = (name: FieldName) => fieldMessage(state.error, name, FIELDS[name]);
  const alert = formMessage(state.error, Object.keys(FIELDS));
  const form = useRef<HTMLFormElement>(null);

  // After a refusal, move focus to what needs fixing: the invalid field, else the alert.
  useEffect(() => {
    if (!state.error) return;
    const target = form.current?.querySelector<HTMLElement>('[aria-invalid="true"], #checkout-alert');
    if (target && !target.matches('input, select')) target.tabIndex = -1;
    target?.focus();
  }, [state]);

  const text = (name: FieldName, props: Partial<ComponentProps<typeof TextField>>) => (
    <TextField name={name} label={FIELDS[name]} defaultValue={value(name)} error={err(name)} {...props} />
  );

  return (
    <form
      ref={form}
      action={submit}
      className="checkout-form"
      aria-describedby={alert ? 'checkout-alert' : undefined}
    >
      <input type="hidden" name="cartId" value={cartId} />
      {cart ? <TrackStartedCheckout cart={cart} email={enteredEmail} /> : null}
      {alert ? (
        <p id="checkout-alert" className="form-alert" role="alert">
          {alert}
        </p>
      ) : null}

      <section className="checkout-section" aria-labelledby="contact-title">
        <h2 id="contact-title" className="checkout-section__title">
          Contact
        </h2>
        {text('email', {
          type: 'email',
          autoComplete: 'email',
          defaultValue: value('email', defaults.email),
          onBlur: ({ currentTarget: input }) => {
            if (input.value && input.validity.valid) setEnteredEmail(input.value.trim().toLowerCase());
          },
        })}
        <ConsentCheckbox
          channel="email"
          defaultChecked={Boolean(v?.['marketing.email'])}
          error={err('marketing.email')}
        />
        {text('phone', {
          type: 'tel',
          autoComplete: 'tel',
          optional: !sms,
          required: sms,
          hint: sms ? 'Needed for text messages.' : 'For delivery updates.',
        })}
        <ConsentCheckbox channel="sms" defaultChecked={sms} error={err('marketing.sms')} onChange={setSms} />
      </section>

      <section className="checkout-section" aria-labelledby="shipping-title">
        <h2 id="shipping-title" className="checkout-section__title">
          Shipping address
        </h2>
        {/* Keyed by its value: a form reset restores a select to the option it was first rendered with. */}
        <SelectField
          key={value('shippingAddress.country', defaults.country)}
          name="shippingAddress.country"
          label={FIELDS['shippingAddress.country']}
          autoComplete="country"
          defaultValue={value('shippingAddress.country', defaults.country)}
          error={err('shippingAddress.country')}
        >
          {countries.map((c) => (
            <option key={c.code} value={c.code}>
              {c.name}
            </option>
          ))}
        </SelectField>
        <div className="field-row">
          {text('firstName', {
            autoComplete: 'given-name',
            defaultValue: value('firstName', defaults.firstName),
          })}
          {text('lastName', {
            autoComplete: 'family-name',
            defaultValue: value('lastName', defaults.lastName),
          })}
        </div>
        {text('shippingAddress.address1', { autoComplete: 'address-line1' })}
        {text('shippingAddress.address2', { autoComplete: 'address-line2', optional: true })}
        <div className="field-row field-row--three">
          {text('shippingAddress.city', { autoComplete: 'address-level2' })}
          {text('shippingAddress.region', { autoComplete: 'address-level1', optional: true })}
          {text('shippingAddress.zip', { autoComplete: 'postal-code' })}
        </div>
      </section>

      <section className="checkout-section" aria-labelledby="payment-title">
        <h2 id="payment-title" className="checkout-section__title">
          Payment
        </h2>
        <p className="notice notice--quiet">
          This is a demo store: no payment is taken and nothing will ship. Your order is recorded and sent to
          Klaviyo as a real one would be.
        </p>
      </section>

      <SubmitButton
        pendingLabel="Placing your order…"
        className="button button--primary button--wide button--large"
      >
        Place order · {totalLabel}
      </SubmitButton>
    </form>
  );
}
