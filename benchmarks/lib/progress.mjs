/**
 * Progress of a benchmark run on stderr: which measurement of how many, time spent, and an estimate
 * of the time left (the mean time per finished step times the steps still to run, so it sharpens as
 * the run goes on; suites whose steps take longer shift it).
 */
import { formatDuration } from "./format.mjs";

export class Progress {
  #total;
  #done = 0;
  #started;
  #now;

  /** `total`: the number of steps planned; `now`: a clock in ms (injectable for tests). */
  constructor(total, now = () => Date.now()) {
    this.#total = total;
    this.#now = now;
    this.#started = now();
  }

  /** Marks the start of the next step and returns its progress line. */
  step(text) {
    this.#done++;
    const elapsed = this.#now() - this.#started;
    const finished = this.#done - 1;
    const left =
      finished === 0
        ? "estimating"
        : `about ${formatDuration((elapsed / finished) * (this.#total - finished))} left`;
    // A step the plan did not foresee (a suite that measured more than it announced) still shows.
    const total = Math.max(this.#total, this.#done);
    return `[${this.#done}/${total}] ${formatDuration(elapsed)} elapsed, ${left}: ${text}`;
  }
}
