/**
 * Time and timers for the link engine, injectable so that tests run the engine deterministically
 * (ManualScheduler) and real links run on the event loop (realScheduler). Times are milliseconds,
 * fractions allowed.
 */
export interface Scheduler {
  /** The current time in milliseconds (monotonic; fractional). */
  now(): number;
  /**
   * Runs `run` once at `timeMs` (at once, on a later turn, if that is not in the future). Tasks due at
   * the same time run in the order they were scheduled. Returns a function that cancels the task.
   */
  at(timeMs: number, run: () => void): () => void;
}

interface Task {
  time: number;
  seq: number;
  run: (() => void) | undefined;
}

/** A binary min-heap of tasks ordered by (time, seq): the one queue both schedulers share. */
class TaskQueue {
  #heap: Task[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(time: number, run: () => void): Task {
    const task: Task = { time, seq: this.#seq++, run };
    const heap = this.#heap;
    heap.push(task);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
    return task;
  }

  peek(): Task | undefined {
    return this.#heap[0];
  }

  pop(): Task | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }
}

function before(a: Task, b: Task): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/**
 * A scheduler driven by hand: time moves only in `advance`, which runs every task that falls due, in
 * time order, with `now()` set to each task's time. Tests use it to check decisions without waiting.
 */
export class ManualScheduler implements Scheduler {
  #now: number;
  readonly #queue = new TaskQueue();

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  at(timeMs: number, run: () => void): () => void {
    const task = this.#queue.push(Math.max(timeMs, this.#now), run);
    return () => {
      task.run = undefined;
    };
  }

  /** Moves time forward by `ms`, running the tasks that fall due (including ones they schedule). */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      const task = this.#queue.peek();
      if (!task || task.time > until) break;
      this.#queue.pop();
      this.#now = task.time;
      task.run?.();
    }
    this.#now = until;
  }

  /** Runs tasks until none is left (time jumps to each); throws after `maxTasks` as a runaway guard. */
  runAll(maxTasks = 10_000_000): void {
    for (let ran = 0; ; ran++) {
      const task = this.#queue.pop();
      if (!task) return;
      if (ran >= maxTasks) throw new Error(`ManualScheduler.runAll: more than ${maxTasks} tasks`);
      this.#now = Math.max(this.#now, task.time);
      task.run?.();
    }
  }

  /** Tasks scheduled and not yet run (cancelled ones included until their time passes). */
  get pending(): number {
    return this.#queue.size;
  }
}

/**
 * The event-loop scheduler. Node's timers are millisecond-grained (`setTimeout(f, 0.3)` fires after
 * at least 1 ms), so tasks due within the next millisecond are polled on `setImmediate` instead: that
 * gives sub-millisecond delays at the cost of a busy loop while one is pending. Later tasks wait on
 * one `setTimeout` for the earliest of them, woken a millisecond early and finished by polling.
 *
 * While a task is pending, the timer keeps the process alive (in-memory connections have no kernel
 * handle that would); once every task has run or been cancelled, nothing is left armed.
 */
class RealScheduler implements Scheduler {
  #queue = new TaskQueue();
  /** Tasks scheduled and neither run nor cancelled. */
  #live = 0;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #immediate: NodeJS.Immediate | undefined;

  now(): number {
    return performance.now();
  }

  at(timeMs: number, run: () => void): () => void {
    const task = this.#queue.push(timeMs, run);
    this.#live++;
    this.#arm();
    return () => {
      if (!task.run) return;
      task.run = undefined;
      if (--this.#live === 0) this.#disarm();
    };
  }

  #disarm(): void {
    // Only cancelled tasks are left: drop them and the timer, so an idle process can exit.
    this.#queue = new TaskQueue();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  #arm(): void {
    const next = this.#queue.peek();
    if (!next || this.#immediate) return;
    const wait = next.time - performance.now();
    if (wait < 1) {
      this.#immediate = setImmediate(this.#drain);
      return;
    }
    const timerAt = next.time - 1;
    if (this.#timer && this.#timerAt <= timerAt) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timerAt = timerAt;
    this.#timer = setTimeout(this.#onTimer, Math.max(1, Math.floor(wait - 1)));
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#drain();
  };

  readonly #drain = (): void => {
    this.#immediate = undefined;
    const now = performance.now();
    for (;;) {
      const task = this.#queue.peek();
      if (!task || task.time > now) break;
      this.#queue.pop();
      const run = task.run;
      if (!run) continue;
      task.run = undefined;
      this.#live--;
      run();
    }
    if (this.#live === 0) this.#disarm();
    else this.#arm();
  };
}

/** The process-wide event-loop scheduler (performance.now() and timers). */
export const realScheduler: Scheduler = new RealScheduler();
