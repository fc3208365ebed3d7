/** Round-trip times: the running average over all samples (msg-rs's `rtt`) and a recent, smoothed value. */
export class RttTracker {
  #count = 0;
  #average = 0;
  #recent = 0;

  /** Adds a sample in microseconds. */
  add(sampleUs: number): void {
    this.#count++;
    this.#average += (sampleUs - this.#average) / this.#count;
    // Exponentially weighted with alpha 1/8, as TCP's smoothed RTT.
    this.#recent = this.#count === 1 ? sampleUs : this.#recent + (sampleUs - this.#recent) / 8;
  }

  get average(): number {
    return Math.round(this.#average);
  }

  get recent(): number {
    return Math.round(this.#recent);
  }
}
