/** Wall time per build phase, from build()'s own events: the first profile of a slow build. */
import { readFileSync, readdirSync } from 'node:fs';
import type { BuildEvent } from '../../src/pipeline/build.js';
import { now, round } from './common.js';

export class PhaseClock {
  private readonly totals = new Map<string, number>();
  private current = 'open';
  private since = now();

  /** `onSwitch` is told each phase as it ends, before the next begins. */
  constructor(private readonly onSwitch?: (ended: string) => void) {}

  readonly onEvent = (event: BuildEvent): void => {
    if (event.type === 'phase') this.switchTo(event.phase);
    else if (event.type === 'batch' && event.event.type === 'submitted') this.switchTo(`${this.phaseOf()}: submitted`);
    else if (event.type === 'batch' && event.event.type === 'status') this.switchTo(`${this.phaseOf()}: polling`);
    else if (event.type === 'batch' && event.event.type === 'loaded') {
      // From the last status answer to 'loaded': reading the results and storing the rows.
      this.current = `${this.phaseOf()}: load results`;
      this.switchTo(`${this.phaseOf()}: after load`);
    }
  };

  private phaseOf(): string {
    return this.current.split(':')[0]!;
  }

  private switchTo(phase: string): void {
    const at = now();
    this.onSwitch?.(this.current);
    this.totals.set(this.current, (this.totals.get(this.current) ?? 0) + (at - this.since));
    this.current = phase;
    this.since = at;
  }

  /** Milliseconds per phase, closing the current one. */
  finish(): Record<string, number> {
    this.switchTo('done');
    return Object.fromEntries([...this.totals].map(([phase, ms]) => [phase, round(ms)]));
  }
}

/** CPU milliseconds of a group of threads. */
export type ThreadGroupCpu = Record<string, number>;

/**
 * CPU time per phase and per group of this process's threads (Linux /proc; empty elsewhere): the
 * main thread; LanceDB's native threads; and the rest that Node names `node`, which are worker
 * threads, V8's compiler and GC helpers and libuv's pool, and cannot be told apart by name.
 */
export class ThreadCpuByPhase {
  private readonly last = new Map<string, number>();
  readonly byPhase = new Map<string, ThreadGroupCpu>();

  constructor() {
    for (const [tid, { cpuMs }] of threadCpu()) this.last.set(tid, cpuMs);
  }

  readonly onSwitch = (ended: string): void => {
    const groups: ThreadGroupCpu = this.byPhase.get(ended) ?? {};
    for (const [tid, { name, cpuMs }] of threadCpu()) {
      const group = tid === String(process.pid) ? 'main' : name === 'node' ? 'other node threads' : name.replace(/[-\d]+$/, '');
      groups[group] = (groups[group] ?? 0) + cpuMs - (this.last.get(tid) ?? 0);
      this.last.set(tid, cpuMs);
    }
    this.byPhase.set(ended, groups);
  };
}

/** user + system CPU of each thread, from /proc/self/task/<tid>/stat (in clock ticks of 10 ms). */
function threadCpu(): Map<string, { name: string; cpuMs: number }> {
  const threads = new Map<string, { name: string; cpuMs: number }>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // Fields after the parenthesised name: state is field 3, utime 14 and stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      threads.set(tid, { name, cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 });
    } catch {
      // The thread ended after the listing; like one that ended before it, what it used since the last sample goes uncounted.
    }
  }
  return threads;
}
