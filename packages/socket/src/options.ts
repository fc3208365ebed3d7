/**
 * Write batching. Outgoing frames are coalesced in a buffer and written with one system call:
 * per-message writes cost one syscall each (about 190k msg/s on loopback); coalesced ones reach millions.
 *
 * The buffer is flushed when it holds `writeBufferSize` bytes, and otherwise at the end of the current
 * event-loop turn. With `writeBufferLinger` above 0 the flush may wait up to that long, but only while
 * more frames keep arriving: a lone message is always flushed at the end of the turn it was sent in,
 * it never waits for later traffic. (msg-rs flushes on a 100 µs timer; Node's timers have 1 ms
 * granularity, so the linger here is measured across event-loop turns instead.)
 */
export interface WriteBufferOptions {
  /** Bytes buffered before a flush is forced, 1024 to 1 GiB. Default 65536 (the `balanced` profile). */
  writeBufferSize?: number;
  /** Longest extra wait, in microseconds (0 to 1000000), while frames keep arriving. Default 0 (`balanced`). */
  writeBufferLinger?: number;
  /** A preset for both (overridden by the explicit options above). Default `balanced`. */
  writeProfile?: WriteProfile;
}

/** A preset for `writeBufferSize` and `writeBufferLinger`: `latency`, `balanced` (the default) or `throughput`. */
export type WriteProfile = "latency" | "balanced" | "throughput";

/** The values each {@link WriteProfile} stands for. */
export const WRITE_PROFILES: Record<
  WriteProfile,
  {
    /** Bytes buffered before a flush is forced. */
    writeBufferSize: number;
    /** Longest extra wait, in microseconds, while frames keep arriving. */
    writeBufferLinger: number;
  }
> = {
  latency: { writeBufferSize: 8 * 1024, writeBufferLinger: 0 },
  balanced: { writeBufferSize: 64 * 1024, writeBufferLinger: 0 },
  throughput: { writeBufferSize: 256 * 1024, writeBufferLinger: 200 },
};

export function resolveWriteBuffer(options: WriteBufferOptions): { size: number; lingerUs: number } {
  const profile = WRITE_PROFILES[options.writeProfile ?? "balanced"];
  return {
    size: options.writeBufferSize ?? profile.writeBufferSize,
    lingerUs: options.writeBufferLinger ?? profile.writeBufferLinger,
  };
}
