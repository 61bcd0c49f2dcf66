import type { Store } from '@weft/core/store';
import type { RouteMount } from '@weft/serve';

/** The dashboard as `weft serve` mounts it: its routes, and the wrapper that lets it watch the store. */
export interface ServeUi {
  readonly routes: readonly RouteMount[];
  readonly wrapStore: (store: Store) => Store;
}

/**
 * The dashboard at `/ui` for `weft serve`, from @weft/dashboard (an optional dependency of the CLI,
 * imported only here and only when the dashboard is on). Null, with the reason in `warn`, when the
 * package is not installed: the service still starts, and says so.
 */
export async function serveUi(warn: (message: string) => void): Promise<ServeUi | null> {
  let dashboard: typeof import('@weft/dashboard');
  try {
    dashboard = await import('@weft/dashboard');
  } catch (e) {
    const missing =
      (e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' &&
      (e as Error).message.includes("'@weft/dashboard'");
    if (!missing) throw e;
    warn(
      'the dashboard (@weft/dashboard) is not installed: /ui is not served (install it, or set "ui": false / --no-ui)',
    );
    return null;
  }
  const feed = new dashboard.RunFeed();
  return { routes: [dashboard.dashboardRoutes({ feed })], wrapStore: (store) => feed.watch(store) };
}
