// The run supervisor: states and effects of the run machine, and the table that replays xstate's
// transitions must answer exactly what xstate answers, run after run.
import { describe, expect, it } from 'vitest';
import { initialTransition, transition } from 'xstate';
import { RunSupervisor, runMachine, type RunMachineEvent } from '../src/supervisor/run-machine.js';

/** What xstate itself says for a sequence of events, from the initial state. */
function reference(events: readonly RunMachineEvent[]): { state: string; effects: string[] }[] {
  let snapshot = initialTransition(runMachine)[0];
  return events.map((event) => {
    if (snapshot.status === 'done') return { state: String(snapshot.value), effects: [] };
    const [next, actions] = transition(runMachine, snapshot, event);
    snapshot = next;
    return { state: String(next.value), effects: actions.map((a) => a.type) };
  });
}

function replay(events: readonly RunMachineEvent[]): { state: string; effects: string[] }[] {
  const s = new RunSupervisor();
  return events.map((e) => {
    const effects = s.send(e);
    return { state: s.state, effects };
  });
}

const paths: Record<string, RunMachineEvent['type'][]> = {
  succeeds: ['START', 'STARTED', 'COMPLETE'],
  'cancelled before it began': ['CANCEL'],
  'fails in its startup hook': ['START', 'FAIL'],
  'times out while running': ['START', 'STARTED', 'TIMEOUT'],
  suspends: ['START', 'STARTED', 'SUSPEND', 'DRAINED'],
  'cancelled while suspending': ['START', 'STARTED', 'SUSPEND', 'CANCEL'],
  'ignores what comes after the end': ['START', 'STARTED', 'COMPLETE', 'FAIL', 'CANCEL'],
  'ignores an event its state does not take': ['START', 'COMPLETE', 'STARTED', 'DRAINED', 'COMPLETE'],
};

describe('the run supervisor', () => {
  it.each(Object.entries(paths))(
    '%s: the same states and effects as xstate, on first use and replayed',
    (_name, types) => {
      const events = types.map((type): RunMachineEvent => ({ type }));
      const expected = reference(events);
      expect(replay(events)).toEqual(expected);
      // The second time every (state, event) pair comes from the table.
      expect(replay(events)).toEqual(expected);
    },
  );

  it('reports done once final, and hands out effects a caller may change', () => {
    const s = new RunSupervisor();
    expect(s.state).toBe('created');
    s.send({ type: 'START' });
    const effects = s.send({ type: 'STARTED' });
    expect(effects).toEqual(['pump']);
    effects.push('finalize');
    const again = new RunSupervisor();
    again.send({ type: 'START' });
    expect(again.send({ type: 'STARTED' })).toEqual(['pump']);
    expect(s.done).toBe(false);
    expect(s.send({ type: 'COMPLETE' })).toEqual(['abortInflight', 'finalize']);
    expect(s.done).toBe(true);
    expect(s.send({ type: 'COMPLETE' })).toEqual([]);
  });
});
