import type { Metadata } from 'next';
import { Card, PageHeader } from '@/components/klaviyo-admin/ui/layout';
import ui from '@/components/klaviyo-admin/ui.module.css';
import { app } from '@/lib/app';
import { requireMerchantPage } from '@/lib/auth';
import type { ConsentChannel } from '@/lib/store/customer-consent';
import { type CustomerConsentRow, searchCustomers } from '@/lib/store/customer-consent-admin';
import { formatDate } from '@/lib/store/format';
import { Notice } from '../notice';
import { SearchForm } from '../search-form';
import { unsubscribeCustomerAction } from './actions';
import { EraseControl, EraseNotice } from './erase-control';

/**
 * The form's action. It answers refusals (no merchant session, not a form) by value like every admin
 * action and otherwise redirects back here; a `<form action>` ignores that value, hence the type.
 */
const unsubscribeForm = unsubscribeCustomerAction as (form: FormData) => Promise<unknown> as (
  form: FormData,
) => Promise<void>;

export const metadata: Metadata = { title: 'Customers' };

const TONES = { subscribed: 'tone-green', unsubscribed: 'tone-gray', suppressed: 'tone-red' } as const;
const SOURCES: Record<string, string> = {
  checkout: 'at checkout',
  'sign-up': 'at sign-up',
  preferences: 'on her preferences page',
  admin: 'by the store admin',
  klaviyo: 'at Klaviyo',
};

function ConsentCell({
  customer,
  channel,
  search,
}: {
  customer: CustomerConsentRow;
  channel: ConsentChannel;
  search: string;
}) {
  const record = customer.consent[channel];
  const canUnsubscribe = record ? record.status === 'subscribed' : channel === 'email' || customer.phone;
  return (
    <td>
      {record ? (
        <>
          <span className={`${ui.badge} ${ui[TONES[record.status]]}`}>{record.status}</span>
          <div className={`${ui.muted} ${ui.small}`}>
            {SOURCES[record.source] ?? record.source}, {formatDate(record.at)}
            {channel === 'sms' ? ` (${record.address})` : ''}
          </div>
        </>
      ) : (
        <span className={ui.muted}>no record</span>
      )}
      {canUnsubscribe ? (
        <form action={unsubscribeForm} style={{ marginTop: 6 }}>
          <input type="hidden" name="customerId" value={customer.id} />
          <input type="hidden" name="channel" value={channel} />
          <input type="hidden" name="q" value={search} />
          <button type="submit" className={`${ui.button} ${ui.danger}`}>
            Unsubscribe {channel === 'sms' ? 'SMS' : 'email'}
          </button>
        </form>
      ) : null}
    </td>
  );
}

/**
 * The store's customers and their marketing consent per channel, as the store last heard it (its
 * own pages or Klaviyo's webhooks), with an unsubscribe that reaches Klaviyo through the outbox.
 */
export default async function CustomersPage({
  searchParams,
}: {
  searchParams: Promise<{ q?: string; done?: string; error?: string; erase?: string }>;
}) {
  await requireMerchantPage('/admin/customers');
  const { q, done, error, erase } = await searchParams;
  const search = typeof q === 'string' ? q.slice(0, 254) : '';
  const customers = await searchCustomers(app.store, search);
  return (
    <>
      <PageHeader
        title="Customers"
        subtitle="Marketing consent per channel, from the store's pages and Klaviyo's webhooks. Unsubscribing here also unsubscribes her at Klaviyo."
        actions={<SearchForm label="Search by email" defaultValue={search} />}
      />
      {done ? (
        <Notice role="status">
          Unsubscribed from {done === 'sms' ? 'SMS' : 'email'}; Klaviyo is told through the outbox.
        </Notice>
      ) : null}
      {error ? (
        <Notice role="alert">
          {error === 'no-phone'
            ? 'This customer has no phone number on record.'
            : 'That change could not be made.'}
        </Notice>
      ) : null}
      <EraseNotice outcome={typeof erase === 'string' ? erase : undefined} />
      <Card flush testId="customers-table">
        {customers.length === 0 ? (
          <p className={ui.muted} style={{ padding: 16 }}>
            No customers{search ? ` with an email containing “${search}”` : ''}.
          </p>
        ) : (
          <div className={ui.tableWrap}>
            <table className={ui.table}>
              <thead>
                <tr>
                  <th>Customer</th>
                  <th className={ui.num}>Orders</th>
                  <th>Email marketing</th>
                  <th>SMS marketing</th>
                  <th>Erasure</th>
                </tr>
              </thead>
              <tbody>
                {customers.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <span className={ui.strong}>{c.email}</span>
                      <div className={`${ui.muted} ${ui.small}`}>{c.name}</div>
                    </td>
                    <td className={ui.num}>{c.ordersCount}</td>
                    <ConsentCell customer={c} channel="email" search={search} />
                    <ConsentCell customer={c} channel="sms" search={search} />
                    <td>
                      <EraseControl customerId={c.id} erased={c.email.startsWith('erased:')} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}
