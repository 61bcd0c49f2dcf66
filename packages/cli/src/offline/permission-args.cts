// The Node options that put a worker thread under Node's permission model with everything allowed
// except child processes and WASI (the model then also refuses process.binding and the inspector).
// Worker threads and addons stay allowed: Weft itself needs them (the guard covers them instead).
// Used by the offline guard for every worker thread of a `--offline` process.

/** The permission flag of this Node: `--permission` from 22.13 and 23.5, `--experimental-permission` before. */
function permissionFlag(version: string = process.versions.node): string {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 5) || (major === 22 && minor >= 13)
    ? '--permission'
    : '--experimental-permission';
}

/** The worker options of the permission model, as `execArgv` entries. */
function permissionArgs(version: string = process.versions.node): string[] {
  return [
    permissionFlag(version),
    '--allow-fs-read=*',
    '--allow-fs-write=*',
    '--allow-worker',
    '--allow-addons',
    // The model announces itself in every thread; the guard is what the user asked for.
    '--disable-warning=ExperimentalWarning',
    '--disable-warning=SecurityWarning',
  ];
}

/** True for an `execArgv` entry that changes permissions (a step's own worker may not pass them). */
function isPermissionArg(arg: string): boolean {
  return (
    arg === '--experimental-permission' ||
    arg === '--permission' ||
    arg.startsWith('--allow-') ||
    arg === '--expose-internals' ||
    arg.startsWith('--inspect') ||
    arg === '--disable-warning=ExperimentalWarning' ||
    arg === '--disable-warning=SecurityWarning'
  );
}

module.exports = { permissionFlag, permissionArgs, isPermissionArg };
