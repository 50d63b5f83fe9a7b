import { env } from '@/lib/env';

export const dynamic = 'force-dynamic';

/** The start page: which Klaviyo this instance talks to. Storefront and admin pages build on it. */
export default function HomePage() {
  const { klaviyo } = env();
  return (
    <main style={{ maxWidth: 720, margin: '4rem auto', padding: '0 1.5rem', lineHeight: 1.6 }}>
      <h1 style={{ marginBottom: 0 }}>Northwind Goods</h1>
      <p style={{ color: 'var(--muted)', marginTop: 4 }}>A demo storefront running Klaviyo on Next.js.</p>
      <section
        style={{
          border: '1px solid var(--line)',
          borderRadius: 12,
          padding: '1rem 1.25rem',
          background: '#fff',
        }}
      >
        <h2 style={{ fontSize: '1rem', margin: 0 }}>Klaviyo connection</h2>
        <dl
          style={{
            display: 'grid',
            gridTemplateColumns: 'max-content 1fr',
            gap: '0.25rem 1rem',
            margin: '0.75rem 0 0',
          }}
        >
          <dt>Account</dt>
          <dd style={{ margin: 0 }} data-testid="klaviyo-mode">
            {klaviyo.live ? 'Live Klaviyo account' : 'Local Klaviyo emulator (seeded demo account)'}
          </dd>
          <dt>API</dt>
          <dd style={{ margin: 0 }}>{klaviyo.apiUrl}</dd>
          <dt>Company id</dt>
          <dd style={{ margin: 0 }}>{klaviyo.companyId}</dd>
        </dl>
      </section>
    </main>
  );
}
