// How the `--offline` process is started: with the offline guard preloaded in the main thread. The
// guard gives every worker thread the guard too and Node's permission model (permission-args.cts).
// The main thread itself stays outside the permission model: in Node 20 the model disables
// fs.fsyncSync, which the run store and every atomic write need.

/** The node options the `--offline` process is started with. */
export function offlineNodeArgs(guard: string): string[] {
  return ['--require', guard];
}
