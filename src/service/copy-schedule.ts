// Runs copy pipes on their COPY_SCHEDULE (spec §9.3) while the server runs; `@on-demand` pipes never run by
// themselves. Every tick reads the project being served, so reloads and deploys that add, change or remove copy pipes
// take effect at the next tick. A pipe's first run is its schedule's next time after the scheduler first sees it (as
// Tinybird schedules a copy when it is deployed); a run still going when the next is due makes that one skip, so a
// pipe never has two copies at once. Failures are logged (and recorded as `error` jobs when the copy ran).
import { runCopyPipe } from './copy-pipes.ts';
import { nextRun, parseCron, type CronSchedule } from './cron.ts';
import type { Duckbird } from './duckbird.ts';

export interface CopySchedulerOptions {
  /** Milliseconds since the epoch; injectable so tests need not wait for the minute to turn. */
  readonly clock?: () => number;
  /** How often due pipes are checked, ms (default 1000: schedules have at most second resolution). */
  readonly intervalMs?: number;
  readonly log?: (message: string) => void;
}

interface Entry {
  readonly schedule: string;
  /** Null when the schedule does not parse (reported once, never run). */
  readonly cron: CronSchedule | null;
  next: number;
}

export class CopyScheduler {
  private readonly clock: () => number;
  private readonly intervalMs: number;
  private readonly log: (message: string) => void;
  /** Next run per pipe name, for the schedule it had when last seen. */
  private readonly entries = new Map<string, Entry>();
  private readonly running = new Map<string, Promise<void>>();
  /** Pipes whose schedule is paused (`POST /v0/pipes/<name>/copy/pause`); kept in memory only. */
  private readonly paused = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;

  constructor(
    private readonly app: Duckbird,
    opts: CopySchedulerOptions = {},
  ) {
    this.clock = opts.clock ?? Date.now;
    this.intervalMs = opts.intervalMs ?? 1000;
    this.log = opts.log ?? ((m) => console.error(m));
  }

  start(): void {
    if (this.timer) return;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    // The scheduler alone never keeps the process alive.
    this.timer.unref();
  }

  /** Stops scheduling and waits for the copies already running. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.allSettled([...this.running.values()]);
  }

  /** Future scheduled runs of the pipe are skipped until it is resumed; a run already going completes. */
  pause(name: string): void {
    this.paused.add(name);
  }

  /** Scheduled runs start again, the first at the schedule's next time after now (missed runs are not made up). */
  resume(name: string): void {
    this.paused.delete(name);
    this.entries.delete(name);
  }

  isPaused(name: string): boolean {
    return this.paused.has(name);
  }

  /** Copies running now, by pipe name. */
  get active(): readonly string[] {
    return [...this.running.keys()];
  }

  /** Starts the copies due at the clock's time; returns once they are started (they finish in the background). */
  tick(): void {
    if (this.ticking) return;
    this.ticking = true;
    try {
      this.startDue(this.clock());
    } finally {
      this.ticking = false;
    }
  }

  private startDue(now: number): void {
    const seen = new Set<string>();
    for (const pipe of this.app.project.pipes) {
      const schedule = pipe.type === 'copy' ? pipe.copySchedule?.trim() : undefined;
      if (!schedule || schedule.toLowerCase() === '@on-demand') continue;
      seen.add(pipe.name);
      let entry = this.entries.get(pipe.name);
      if (!entry || entry.schedule !== schedule) {
        try {
          const cron = parseCron(schedule);
          entry = { schedule, cron, next: nextRun(cron, new Date(now)).getTime() };
        } catch (e) {
          // The datafile parser accepts what croniter does; a schedule that still fails here is reported once.
          if (this.entries.get(pipe.name)?.schedule !== schedule) this.log(`copy pipe ${pipe.name}: COPY_SCHEDULE ${schedule}: ${(e as Error).message}`);
          this.entries.set(pipe.name, { schedule, cron: null, next: Infinity });
          continue;
        }
        this.entries.set(pipe.name, entry);
        continue;
      }
      if (entry.cron === null || this.paused.has(pipe.name) || now < entry.next) continue;
      entry.next = nextRun(entry.cron, new Date(now)).getTime();
      if (this.running.has(pipe.name)) {
        this.log(`copy pipe ${pipe.name}: scheduled run skipped, the previous run is still going`);
        continue;
      }
      this.run(pipe.name, now);
    }
    for (const name of [...this.entries.keys()]) if (!seen.has(name)) this.entries.delete(name);
  }

  private run(name: string, now: number): void {
    const done = runCopyPipe(this.app, name, { executionType: 'scheduled', now: new Date(now) })
      .then(
        () => undefined,
        (e: unknown) => this.log(`copy pipe ${name}: scheduled run failed: ${e instanceof Error ? e.message : String(e)}`),
      )
      .finally(() => this.running.delete(name));
    this.running.set(name, done);
  }
}
