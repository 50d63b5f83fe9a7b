import { createKlaviyo } from '../../lib/klaviyo-next/api/index.js';
import type { TestEmulator } from './emulator.js';

/** Our own Klaviyo client and resources, pointed at a test emulator. */
export function klaviyoFor(emu: TestEmulator, options: { governor?: null } = {}) {
  return createKlaviyo({
    apiKey: emu.account.privateKey,
    companyId: emu.account.publicKey,
    baseUrl: emu.url,
    ...options,
  });
}
