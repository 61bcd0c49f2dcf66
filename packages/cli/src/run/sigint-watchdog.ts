// The Ctrl-C watchdog of a run whose steps may hold the main thread (`direct`, or `placement:
// 'main'`): a small child process in the terminal's process group, so it gets every Ctrl-C too. A
// CPU-bound step on the main thread keeps the run's process from seeing SIGINT until the step
// returns; when the process does not acknowledge a Ctrl-C, the watchdog says so, and on a second
// one it ends the process (SIGKILL: nothing else reaches a busy main thread), leaving the run
// resumable. Started by main-thread-guard.ts with `fork`; talks over the IPC channel.
import { writeInterruptedNote } from './interrupted-note.js';

/** Messages from the run's process. */
export type WatchdogMessage =
  | { readonly type: 'run'; readonly runId: string; readonly root: string }
  | { readonly type: 'steps'; readonly running: readonly string[] }
  | { readonly type: 'ack'; readonly count: number };

/** The watchdog's one message: it watches (its SIGINT handler is in place). */
export interface WatchdogReady {
  readonly type: 'ready';
}

/** How long a process with a free event loop may take to acknowledge a Ctrl-C. */
export const ACK_WINDOW_MS = 1000;

let run: { runId: string; root: string } | undefined;
let running: readonly string[] = [];
let presses = 0;
let acked = 0;

const say = (s: string): void => void process.stderr.write(`weft: ${s}\n`);
const steps = (): string =>
  running.length === 0
    ? 'a step'
    : running.length === 1
      ? `step "${running[0]}"`
      : `steps ${running.map((s) => `"${s}"`).join(', ')}`;

process.on('SIGINT', () => {
  const press = ++presses;
  setTimeout(() => {
    if (acked > 0 || !run) return; // the process is handling Ctrl-C itself
    const resume = `weft resume ${run.runId}`;
    if (press === 1) {
      say(
        `Ctrl-C: ${steps()} is running on the main thread and cannot be interrupted until it returns; ` +
          `the run is cancelled then. Press Ctrl-C again to stop now (run ${run.runId} stays resumable: ${resume})`,
      );
      return;
    }
    const reason = `Ctrl-C twice while ${steps()} held the main thread`;
    writeInterruptedNote(run.root, { runId: run.runId, at: new Date().toISOString(), reason });
    say(`stopped: ${reason}. Run ${run.runId} is left interrupted; resume it with: ${resume}`);
    try {
      process.kill(process.ppid, 'SIGKILL');
    } finally {
      process.exit(0);
    }
  }, ACK_WINDOW_MS);
});

process.on('message', (m: WatchdogMessage) => {
  switch (m.type) {
    case 'run':
      run = { runId: m.runId, root: m.root };
      process.send?.({ type: 'ready' } satisfies WatchdogReady);
      break;
    case 'steps':
      running = m.running;
      break;
    case 'ack':
      acked = Math.max(acked, m.count);
      break;
  }
});
// The run's process ended or closed the channel: nothing left to watch.
process.on('disconnect', () => process.exit(0));
