/**
 * The emulator's sense of time. Rate-limit windows, event timestamps and job progress all read it,
 * so tests can step through a 60 s window without waiting for it.
 */
export interface Clock {
  now(): number;
}

export class ControllableClock implements Clock {
  private offsetMs = 0;
  private frozenAt: number | null = null;

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  /** Stops time at `atMs` (or at the current time). */
  freeze(atMs?: number): void {
    this.frozenAt = atMs ?? this.now();
  }

  /** Moves time forward; frozen time stays frozen at the new instant. */
  advance(ms: number): void {
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  /** Returns to the wall clock. */
  release(): void {
    this.frozenAt = null;
    this.offsetMs = 0;
  }
}
