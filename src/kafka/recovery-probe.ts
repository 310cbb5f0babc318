/**
 * While a service waits out its reconnect backoff, one small request (an ApiVersions probe) every
 * `everyMs` tells when the broker answers again, so the service retries at once instead of at the
 * end of a backoff that may have grown to minutes. The backoff spaces out full kafkajs connects;
 * the probe is cheap, so it can run every second. Never two probes in flight.
 */
export class RecoveryProbe {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly probe: () => Promise<unknown>,
    private readonly everyMs = 1000,
  ) {}

  /**
   * Probes while `waiting()` holds (asked before each probe and again on its answer) and calls
   * `onAnswer` when the broker answered. A second start() while running changes nothing.
   */
  start(waiting: () => boolean, onAnswer: () => void): void {
    if (this.timer) return;
    let probing = false;
    this.timer = setInterval(() => {
      if (probing || !waiting()) return;
      probing = true;
      this.probe()
        .then(
          () => {
            if (waiting()) onAnswer();
          },
          () => {},
        )
        .finally(() => {
          probing = false;
        });
    }, this.everyMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
