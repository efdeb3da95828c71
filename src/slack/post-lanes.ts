/**
 * When each chat.postMessage to a channel may start: in the order they were
 * asked for, spaced out (Slack allows about one message a second per channel),
 * never while the channel is rate-limited, and without waiting for the earlier
 * posts to finish: a slow Web API must not slow the pace down to one post per
 * round trip.
 */

/** The poster's time; tests drive it by hand. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

interface Start {
  seq: number;
  go(): void;
}

interface Lane {
  waiting: Start[];
  /** No start before this time (the previous start + the interval). */
  nextAt: number;
  pumping: boolean;
}

export class PostLanes {
  private readonly lanes = new Map<string, Lane>();
  private seq = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly clock: Clock,
    /** ms until the channel's Retry-After has passed (0: not rate-limited). */
    private readonly blockedFor: (channel: string) => number,
  ) {}

  /**
   * A place in the channel's line, taken now. Each call of the returned function
   * resolves at a start time of its own; a post that must be tried again (429)
   * calls it again and goes before every post asked for after it.
   */
  place(channel: string): () => Promise<void> {
    const seq = ++this.seq;
    return () => this.turn(channel, seq);
  }

  private turn(channel: string, seq: number): Promise<void> {
    this.forgetIdle();
    let lane = this.lanes.get(channel);
    if (!lane) {
      lane = { waiting: [], nextAt: 0, pumping: false };
      this.lanes.set(channel, lane);
    }
    const queued = lane;
    return new Promise((go) => {
      const after = queued.waiting.findIndex((s) => s.seq > seq);
      queued.waiting.splice(after < 0 ? queued.waiting.length : after, 0, { seq, go });
      if (!queued.pumping) void this.pump(channel, queued);
    });
  }

  /** Lets the channel's posts start one by one, each when both the spacing and any Retry-After allow. */
  private async pump(channel: string, lane: Lane): Promise<void> {
    lane.pumping = true;
    while (lane.waiting.length > 0) {
      // Checked again after every sleep: a 429 that came meanwhile may have pushed the time out.
      const wait = Math.max(lane.nextAt - this.clock.now(), this.blockedFor(channel));
      if (wait > 0) {
        await this.clock.sleep(wait);
        continue;
      }
      lane.nextAt = this.clock.now() + this.intervalMs;
      lane.waiting.shift()!.go();
    }
    lane.pumping = false;
  }

  /** Channels with nothing waiting and whose spacing has passed need no lane. */
  private forgetIdle(): void {
    const now = this.clock.now();
    for (const [channel, lane] of this.lanes) if (!lane.pumping && lane.nextAt <= now) this.lanes.delete(channel);
  }
}
