import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPERATIONS, SPEC_REVISION } from '../../lib/klaviyo-next/api/generated/operations.js';
import { KLAVIYO_REVISION } from '../../lib/klaviyo-next/api/revision.js';
import { renderGenerated } from '../../scripts/generate-klaviyo-types.js';

const specText = readFileSync('emulator/spec/stable.json', 'utf8');

describe('the pinned revision and the generated types', () => {
  it('vendors exactly Klaviyo’s published spec (sha256 from its provenance notes)', () => {
    expect(createHash('sha256').update(specText).digest('hex')).toBe(
      'deb88f1dfad82fd530433555d3180fdc29633143d21e7347a9726cbea3fae2a9',
    );
  });

  it('pins the client to the spec’s info.version', () => {
    const version = JSON.parse(specText).info.version;
    expect(KLAVIYO_REVISION).toBe(version);
    expect(SPEC_REVISION).toBe(version);
  });

  it('has generated files that match the spec and the used operations (run npm run generate:klaviyo)', async () => {
    const { api, operations } = await renderGenerated();
    expect(readFileSync('lib/klaviyo-next/api/generated/operations.ts', 'utf8')).toBe(operations);
    expect(readFileSync('lib/klaviyo-next/api/generated/api.ts', 'utf8')).toBe(api);
    expect(OPERATIONS.create_event.rateLimit).toEqual({ perSecond: 350, perMinute: 3500 });
  });
});
