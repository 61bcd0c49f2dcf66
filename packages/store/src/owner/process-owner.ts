import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Owner } from '@weft/core/store';

let bootMs: number | null | undefined;

/** The boot time in ms (Linux `/proc/stat` btime), or null where there is none. */
function bootTime(): number | null {
  if (bootMs === undefined) {
    try {
      const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
      bootMs = m ? Number(m[1]) * 1000 : null;
    } catch {
      bootMs = null;
    }
  }
  return bootMs;
}

/**
 * When the process `pid` started (ms since the epoch), from `/proc/<pid>/stat`; 0 when it cannot
 * be told (no such process, or no `/proc`). Two processes that had the same pid have different
 * start times: that is how a reused pid is told apart.
 */
export function processStartTime(pid: number): number {
  const boot = bootTime();
  if (boot === null) return 0;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Field 22 (starttime, in clock ticks after boot) counts from the end of the command name,
  // which is in parentheses and may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? boot + Math.round(ticks * 10) : 0;
}

let self: Owner | undefined;

/** This process as an owner: `host:pid:startTime`. */
export function processOwner(): Owner {
  if (!self) {
    const start = processStartTime(process.pid) || Date.now() - Math.round(process.uptime() * 1000);
    const host = hostname();
    self = { id: `${host}:${process.pid}:${start}`, host, pid: process.pid, processStart: start };
  }
  return self;
}

/** Start times read twice may differ by rounding of the boot time: closer than this is the same process. */
const SAME_START_MS = 1500;

/**
 * Whether an owner still holds its claim: its lease (if any) has not passed, and, on this host,
 * its pid is alive and was started when the owner says (a pid reused by another process is not
 * the owner). An owner on another host without a lease is taken to be alive: only its lease could
 * tell.
 */
export function isOwnerAlive(owner: Owner, now = Date.now()): boolean {
  if (owner.leaseUntil !== undefined && owner.leaseUntil <= now) return false;
  if (owner.host !== hostname()) return true;
  if (owner.pid === process.pid)
    return owner.id === processOwner().id || sameStart(owner.processStart, processOwner().processStart);
  if (!pidAlive(owner.pid)) return false;
  if (owner.processStart <= 0) return true;
  const actual = processStartTime(owner.pid);
  return actual === 0 || sameStart(actual, owner.processStart);
}

function sameStart(a: number, b: number): boolean {
  return Math.abs(a - b) < SAME_START_MS;
}

/** True when a process with this pid exists (EPERM: it exists, but is not ours). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
