/** The node options the `--offline` process is started with: the guard, preloaded. */
export function offlineNodeArgs(guard: string): string[] {
  return ['--require', guard];
}
