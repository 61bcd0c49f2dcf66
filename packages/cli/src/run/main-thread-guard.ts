// What a run does about steps that hold the main thread (issue 12 item 10): on Ctrl-C it says what
// happens; a Ctrl-C the busy main thread cannot see is handled by a watchdog process
// (sigint-watchdog.ts); a step that ends the process (process.exit) is told now and on the next
// command (interrupted-note.ts), and the run stays resumable.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RunEvent } from '@weft/core';
import type { Io } from '../util/output.js';
import { writeInterruptedNote } from './interrupted-note.js';
import type { WatchdogMessage, WatchdogReady } from './sigint-watchdog.js';

/** The guard of one run session. */
export interface MainThreadGuard {
  /** An observer: follows which steps are running (named in the messages). */
  onEvent(e: RunEvent): void;
  /** The process saw Ctrl-C number `count` (1: the run is being cancelled; 2: the process exits). */
  interrupted(count: 1 | 2): void;
  /** The session ended normally: stop watching. */
  dispose(): void;
}

/** Options of {@link guardMainThread}. */
export interface MainThreadGuardOptions {
  readonly root: string;
  readonly runId: string;
  readonly io: Io;
  /** Start the Ctrl-C watchdog: some step may hold the main thread. */
  readonly watchdog: boolean;
}

/**
 * Guards one run session; see the file's comment. With `watchdog`, resolves once the watchdog
 * watches (a Ctrl-C from then on reaches it), or at once when it cannot be started.
 */
export async function guardMainThread(o: MainThreadGuardOptions): Promise<MainThreadGuard> {
  const running = new Map<number, string>();
  let child: ChildProcess | null = o.watchdog ? await startWatchdog(o) : null;
  let presses = 0;
  let disposed = false;
  const send = (m: WatchdogMessage): void => {
    if (child?.connected) child.send(m, () => undefined);
  };
  const names = (): string[] => [...new Set(running.values())];
  // 'beforeExit' comes only when the event loop ran dry, never on process.exit().
  let drained = false;
  const onBeforeExit = (): void => void (drained = true);
  const onExit = (code: number): void => {
    if (disposed) return;
    const steps = names();
    const who =
      steps.length === 0
        ? 'a step'
        : steps.length === 1
          ? `step "${steps[0]}"`
          : `one of steps ${steps.map((s) => `"${s}"`).join(', ')}`;
    const reason =
      presses >= 2
        ? 'Ctrl-C twice'
        : drained
          ? `the process ran out of work while ${who} was still running (a promise that never settles?)`
          : `${who} ended the process (process.exit(${code})) on the main thread`;
    writeInterruptedNote(o.root, { runId: o.runId, at: new Date().toISOString(), reason });
    o.io.err(`weft: ${reason}; run ${o.runId} is left interrupted: resume it with: weft resume ${o.runId}\n`);
  };
  process.on('beforeExit', onBeforeExit);
  process.on('exit', onExit);
  return {
    onEvent(e) {
      if (e.path.length > 0) return;
      if (e.type === 'step.start') running.set(e.invocation, e.step);
      else if (e.type === 'step.end' || e.type === 'step.error') running.delete(e.invocation);
      else return;
      send({ type: 'steps', running: names() });
    },
    interrupted(count) {
      presses = count;
      send({ type: 'ack', count });
      if (count === 1)
        o.io.err(
          `weft: Ctrl-C: cancelling run ${o.runId} (steps stop at their next cancellation check); ` +
            `press Ctrl-C again to exit now; the run stays resumable: weft resume ${o.runId}\n`,
        );
    },
    dispose() {
      disposed = true;
      process.off('exit', onExit);
      process.off('beforeExit', onBeforeExit);
      child?.kill();
      child = null;
    },
  };
}

/** Forks the watchdog and waits until it watches; null when child processes are refused (the --offline guard) or it ended. */
async function startWatchdog(o: MainThreadGuardOptions): Promise<ChildProcess | null> {
  let child: ChildProcess;
  try {
    child = fork(fileURLToPath(new URL('./sigint-watchdog.js', import.meta.url)), [], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv: [],
    });
  } catch {
    return null;
  }
  const ready = await new Promise<boolean>((resolve) => {
    child.once('message', (m: WatchdogReady) => resolve(m.type === 'ready'));
    child.once('error', () => resolve(false));
    child.once('exit', () => resolve(false));
    child.send({ type: 'run', runId: o.runId, root: o.root } satisfies WatchdogMessage, (e) => {
      if (e) resolve(false);
    });
  });
  child.on('error', () => undefined);
  if (!ready) {
    child.kill();
    return null;
  }
  // The watchdog never keeps the run's process alive.
  child.unref();
  (child.channel as { unref?: () => void } | undefined)?.unref?.();
  return child;
}

/** Whether a step of this run may hold the main thread: every step under `direct`, else `placement: 'main'` ones. */
export function mayHoldMainThread(
  orchestrator: string,
  plan: { readonly nodes: Readonly<Record<string, { readonly placement: string | null }>> },
): boolean {
  return orchestrator === 'direct' || Object.values(plan.nodes).some((n) => n.placement === 'main');
}
