'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { adminKeys, humanize, type Settings, timeAgo } from '@/lib/klaviyo-next/browser';
import { type Action, unwrap } from '../api';
import { settingsQuery } from '../queries';
import { Freshness } from '../ui/freshness';
import { Icon } from '../ui/icons';
import { Badge, Card, PageHeader, toneOf } from '../ui/layout';
import { ErrorState, SkeletonBlock } from '../ui/states';
import ui from '../ui.module.css';

const KEY_TEXT = {
  valid: 'Valid',
  invalid: 'Not recognised by Klaviyo',
  missing_scope: 'Missing the accounts:read scope',
  unreachable: 'Klaviyo did not answer',
} as const;

function KeyCard({ settings }: { settings: Settings }) {
  const key = settings.key.value;
  return (
    <Card
      title="Private API key"
      action={<Freshness cached={settings.key} label="Checked" />}
      testId="key-card"
    >
      {!key ? (
        settings.key.error ? (
          <div className={ui.errorBox}>{settings.key.error}</div>
        ) : (
          <SkeletonBlock height={96} />
        )
      ) : (
        <dl className={ui.dl}>
          <dt>Status</dt>
          <dd>
            <Badge tone={key.status === 'valid' ? 'green' : 'red'}>{KEY_TEXT[key.status]}</Badge>
            {key.detail && <div className={`${ui.muted} ${ui.small}`}>{key.detail}</div>}
          </dd>
          <dt>Account</dt>
          <dd>{key.account ? `${key.account.name ?? 'Unnamed'} (${key.account.id})` : '—'}</dd>
          <dt>Timezone</dt>
          <dd>{key.account?.timezone ?? '—'}</dd>
          <dt>Currency</dt>
          <dd>{key.account?.currency ?? '—'}</dd>
        </dl>
      )}
    </Card>
  );
}

function ConnectionCard({ settings }: { settings: Settings }) {
  return (
    <Card title="Klaviyo connection" testId="connection-card">
      <dl className={ui.dl}>
        <dt>Mode</dt>
        <dd>
          {settings.mode === 'live' ? (
            <Badge tone="green">Live Klaviyo account</Badge>
          ) : (
            <Badge tone="amber">Local emulator (demo data)</Badge>
          )}
        </dd>
        <dt>API</dt>
        <dd className={ui.mono}>{settings.apiUrl}</dd>
        <dt>Pinned revision</dt>
        <dd>
          <span className={ui.mono} data-testid="revision">
            {settings.revision}
          </span>
        </dd>
        <dt>Public key (site id)</dt>
        <dd className={ui.mono}>{settings.companyId}</dd>
      </dl>
    </Card>
  );
}

/** The receiver's state in one badge: live, or what is missing for it to be. */
function ReceiverBadge({ receiver }: { receiver: Settings['receiver'] }) {
  if (receiver.live) return <Badge tone="green">Live</Badge>;
  if (!receiver.registeredId) return <Badge tone="amber">Not registered</Badge>;
  if (!receiver.secretSet) return <Badge tone="red">No secret set</Badge>;
  if (!receiver.enabled) return <Badge tone="red">Disabled at Klaviyo</Badge>;
  return <Badge tone="amber">Missing {receiver.missingTopics.length} topics</Badge>;
}

interface WebhookActions {
  register: Action<Record<string, never>, Settings>;
  remove: Action<Record<string, never>, Settings>;
}

function WebhooksCard({ settings, actions }: { settings: Settings; actions: WebhookActions }) {
  const queryClient = useQueryClient();
  const webhooks = settings.webhooks;
  const receiver = settings.receiver;
  const onSuccess = (next: Settings) => queryClient.setQueryData(adminKeys.settings(), next);
  const register = useMutation({ mutationFn: () => unwrap(actions.register({})), onSuccess });
  const remove = useMutation({ mutationFn: () => unwrap(actions.remove({})), onSuccess });
  const busy = register.isPending || remove.isPending;
  const failure = register.error ?? remove.error;
  const canRegister = receiver.secretSet && receiver.url !== null;
  return (
    <Card title="Webhooks" action={<Freshness cached={webhooks} label="Read" />} testId="webhooks-card">
      <p className={`${ui.muted} ${ui.small}`} style={{ marginTop: 0 }}>
        {settings.expectedWebhookUrl ? (
          <>
            Klaviyo delivers unsubscribes, SMS STOP, spam complaints and resubscribes back to{' '}
            <span className={ui.mono}>{settings.expectedWebhookUrl}</span>.
          </>
        ) : (
          'Give the plugin your site URL (siteUrl) to see which webhooks point at this store.'
        )}
      </p>
      <dl className={ui.dl} data-testid="webhook-receiver">
        <dt>Store webhook</dt>
        <dd data-testid="webhook-status">
          <ReceiverBadge receiver={receiver} />
          {!receiver.secretSet && (
            <div className={`${ui.muted} ${ui.small}`}>
              Set KLAVIYO_WEBHOOK_SECRET on the server; deliveries are verified with it.
            </div>
          )}
        </dd>
        <dt>Last delivery</dt>
        <dd>
          {receiver.lastReceivedAt ? timeAgo(receiver.lastReceivedAt, Date.now()) : 'None received yet'}
        </dd>
        <dt>Waiting</dt>
        <dd>
          {receiver.pending} to apply
          {receiver.dead > 0 && <Badge tone="red">{receiver.dead} given up</Badge>}
        </dd>
      </dl>
      <div style={{ display: 'flex', gap: 8, margin: '12px 0' }}>
        <button
          type="button"
          className={ui.button}
          onClick={() => register.mutate()}
          disabled={busy || !canRegister}
          data-testid="register-webhook"
        >
          {register.isPending
            ? 'Registering…'
            : receiver.registeredId
              ? 'Update webhook'
              : 'Register webhook'}
        </button>
        {receiver.registeredId && (
          <button
            type="button"
            className={ui.button}
            onClick={() => remove.mutate()}
            disabled={busy}
            data-testid="remove-webhook"
          >
            {remove.isPending ? 'Removing…' : 'Remove webhook'}
          </button>
        )}
      </div>
      {failure && (
        <div className={ui.errorBox} role="alert">
          {failure.message}
        </div>
      )}
      {!webhooks.value ? (
        webhooks.error ? (
          <div className={ui.errorBox}>{webhooks.error}</div>
        ) : (
          <SkeletonBlock height={80} />
        )
      ) : webhooks.value.length === 0 ? (
        <p style={{ margin: 0 }}>
          <span className={ui.muted}>No webhook in this Klaviyo account yet.</span>
        </p>
      ) : (
        <ul style={{ margin: 0, paddingLeft: 0, listStyle: 'none', display: 'grid', gap: 10 }}>
          {webhooks.value.map((w) => (
            <li key={w.id}>
              <strong>{w.name}</strong>{' '}
              <Badge tone={w.enabled ? 'green' : 'gray'}>{w.enabled ? 'Enabled' : 'Disabled'}</Badge>{' '}
              {w.ours && <Badge tone="blue">This store</Badge>}
              <div className={`${ui.mono} ${ui.muted}`}>{w.endpointUrl}</div>
              <div className={`${ui.muted} ${ui.small}`}>{w.topics.length} topics</div>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}

function ScopesCard({ settings }: { settings: Settings }) {
  const scopes = settings.scopes;
  const granted = scopes.value?.filter((s) => s.status === 'granted').length ?? 0;
  return (
    <Card
      flush
      title={`Scopes${scopes.value ? ` · ${granted} of ${scopes.value.length} granted` : ''}`}
      action={<Freshness cached={scopes} label="Probed" />}
      testId="scopes-card"
    >
      <p className={`${ui.muted} ${ui.small}`} style={{ margin: '6px 20px 12px' }}>
        Klaviyo cannot list a key&apos;s scopes, so each one this plugin needs is probed without writing
        anything.
      </p>
      {!scopes.value ? (
        <div style={{ padding: 20 }}>
          {scopes.error ? <div className={ui.errorBox}>{scopes.error}</div> : <SkeletonBlock height={160} />}
        </div>
      ) : (
        <table className={ui.table}>
          <thead>
            <tr>
              <th>Scope</th>
              <th>Status</th>
              <th>Checked with</th>
            </tr>
          </thead>
          <tbody>
            {scopes.value.map((s) => (
              <tr key={s.scope}>
                <td className={ui.mono}>{s.scope}</td>
                <td>
                  <Badge tone={s.status === 'unknown' ? 'gray' : toneOf(s.status)}>
                    {humanize(s.status)}
                  </Badge>
                </td>
                <td className={`${ui.muted} ${ui.small}`}>{s.via}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

export function SettingsView({
  recheck,
  registerWebhook,
  removeWebhook,
}: {
  recheck: Action<Record<string, never>, Settings>;
  registerWebhook: Action<Record<string, never>, Settings>;
  removeWebhook: Action<Record<string, never>, Settings>;
}) {
  const queryClient = useQueryClient();
  const { data, error, refetch } = useQuery(settingsQuery());
  const check = useMutation({
    mutationFn: () => unwrap(recheck({})),
    onSuccess: (settings) => queryClient.setQueryData(adminKeys.settings(), settings),
  });
  return (
    <>
      <PageHeader
        title="Settings"
        subtitle="How this store is connected to Klaviyo."
        actions={
          <button
            type="button"
            className={ui.button}
            onClick={() => check.mutate()}
            disabled={check.isPending}
          >
            <Icon name="refresh" width={15} height={15} /> {check.isPending ? 'Checking…' : 'Check again'}
          </button>
        }
      />
      {check.error && (
        <div className={ui.errorBox} style={{ marginBottom: 16 }}>
          {check.error.message}
        </div>
      )}
      {error && !data ? (
        <Card>
          <ErrorState error={error} onRetry={() => refetch()} />
        </Card>
      ) : !data ? (
        <Card>
          <SkeletonBlock height={220} />
        </Card>
      ) : (
        <div className={ui.halves} style={{ alignItems: 'start' }}>
          <div className={ui.grid}>
            <ConnectionCard settings={data} />
            <KeyCard settings={data} />
            <WebhooksCard settings={data} actions={{ register: registerWebhook, remove: removeWebhook }} />
          </div>
          <ScopesCard settings={data} />
        </div>
      )}
    </>
  );
}
