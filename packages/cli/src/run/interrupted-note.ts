// A run that ended with its process (a step called process.exit on the main thread, or Ctrl-C
// twice while a step held the main thread) leaves a note in .weft/interrupted/<runId>.json, written
// synchronously as the process goes; the next `weft` command in the project says what happened.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the next command is told about a run that ended with its process. */
export interface InterruptedNote {
  readonly runId: string;
  /** ISO time the process ended. */
  readonly at: string;
  /** What ended it, in words: `step "x" called process.exit(3) on the main thread`. */
  readonly reason: string;
}

/** The directory of the notes of a project. */
export function notesDir(root: string): string {
  return join(root, '.weft', 'interrupted');
}

/** Writes the note of a run (synchronously: the process is ending). Never throws. */
export function writeInterruptedNote(root: string, note: InterruptedNote): void {
  try {
    mkdirSync(notesDir(root), { recursive: true });
    writeFileSync(join(notesDir(root), `${note.runId}.json`), JSON.stringify(note) + '\n');
  } catch {
    // A note that cannot be written must not turn a process exit into a crash.
  }
}

/** Runs whose note this process has told: the store's reconciliation does not tell them again. */
const told = new Set<string>();

/** Whether this process already told the run's interruption from its note. */
export function noteTold(runId: string): boolean {
  return told.has(runId);
}

/** The notes of a project, oldest first, removed as they are read (each is told once). */
export function takeInterruptedNotes(root: string): InterruptedNote[] {
  let names: string[];
  try {
    names = readdirSync(notesDir(root)).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const notes: InterruptedNote[] = [];
  for (const name of names) {
    const file = join(notesDir(root), name);
    try {
      const n = JSON.parse(readFileSync(file, 'utf8')) as InterruptedNote;
      if (typeof n.runId === 'string' && typeof n.reason === 'string') notes.push(n);
    } catch {
      // A torn note (the process died while writing it) is dropped.
    }
    rmSync(file, { force: true });
  }
  for (const n of notes) told.add(n.runId);
  return notes.sort((a, b) => a.at.localeCompare(b.at));
}

/** The warning the next command prints for a note. */
export function describeNote(n: InterruptedNote): string {
  return `run ${n.runId} was interrupted at ${n.at}: ${n.reason}; it is resumable: weft resume ${n.runId}`;
}
