/** Wall time per build phase, from build()'s own events: the first profile of a slow build. */
import type { BuildEvent } from '../../src/pipeline/build.js';
import { now, round } from './common.js';

export class PhaseClock {
  private readonly totals = new Map<string, number>();
  private current = 'open';
  private since = now();

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
