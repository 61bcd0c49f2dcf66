import { WeftError } from '@weft/core';
import type { Store } from '@weft/core/store';
import { memoryStore } from '@weft/store';
import type { StoreSetting } from '../config/resolve-config.js';

/**
 * Opens the configured store: `memory` (runs live as long as the service) or `sqlite` (a file;
 * runs survive a restart). A store opened here is closed by the service.
 */
export async function openStore(setting: StoreSetting): Promise<Store> {
  switch (setting.kind) {
    case 'memory':
      return memoryStore(
        setting.maxEventsPerRun !== undefined ? { maxEventsPerRun: setting.maxEventsPerRun } : {},
      );
    case 'sqlite':
      throw new WeftError(
        'CONFIG_INVALID',
        `the sqlite store (${setting.path}) is not in this build of @weft/store yet: use { "kind": "memory" }, or pass a store to startServer({ store })`,
        { data: { problems: ['/store/kind: sqlite is not available yet'] } },
      );
  }
}
