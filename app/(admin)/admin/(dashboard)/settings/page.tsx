import type { Metadata } from 'next';
import { SettingsView } from '@/components/klaviyo-admin/views/settings-view';
import { requireMerchantPage } from '@/lib/auth';
import { recheckConnection, registerWebhook, removeWebhook } from './actions';

export const metadata: Metadata = { title: 'Settings' };

export default async function SettingsPage() {
  await requireMerchantPage('/admin/settings');
  return (
    <SettingsView
      recheck={recheckConnection}
      registerWebhook={registerWebhook}
      removeWebhook={removeWebhook}
    />
  );
}
