// Stands in for the 'server-only' marker package outside Next.js, where its export condition is absent.
export {};
