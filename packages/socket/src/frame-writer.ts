import { allocBytes, atTurnEnd, type Connection, monotonicMicros, onNextTurn } from "@msg/core";
import {
  PUBSUB_FIXED_HEADER_SIZE,
  REQREP_HEADER_SIZE,
  writePubSubHeader,
  writePubSubSeqAndSize,
  writeReqRepHeader,
} from "@msg/wire";

/** Payloads at least this large are written as their own chunk instead of being copied into the batch. */
const ZERO_COPY_THRESHOLD = 16 * 1024;

/**
 * Coalesces the frames sent on one connection into few large writes (see WriteBufferOptions).
 *
 * Frames are encoded straight into a batch buffer; large payloads go out as their own chunk, without a
 * copy, handed to the transport together with the batch that ends with their header where it takes
 * several chunks at once (`Connection.writev`). While the transport pushes back (`write` returned
 * false), frames stay here, and the owner sees `queuedBytes`/`queuedFrames` to apply its own limit:
 * the writer never decides to drop anything.
 */
export class FrameWriter {
  readonly #connection: Connection;
  readonly #batchSize: number;
  readonly #lingerUs: number;
  readonly #onDrain: (() => void) | undefined;

  /**
   * The buffer the current batch is filled in: frames go at `#batchEnd`, the batch is
   * `[#batchStart, #batchEnd)`. A batch handed to the transport is never written over (the transport
   * keeps a reference): the next one starts after it in the same buffer, or in a fresh one.
   */
  #batch: Uint8Array;
  #batchStart = 0;
  #batchEnd = 0;
  #batchFrames = 0;
  /** Finished chunks waiting for the transport to drain, with the number of frames each ends. */
  #backlog: Uint8Array[] = [];
  #backlogChunkFrames: number[] = [];
  #backlogBytes = 0;
  #backlogFrames = 0;
  #blocked = false;
  #flushScheduled = false;
  #firstPendingAt = 0;
  #appendedSinceCheck = false;
  #closed = false;
  /** The last pub/sub header built, and the topic and timestamp it was built for (see #pubSubHeader). */
  #header = new Uint8Array(0);
  #headerTopic: Uint8Array | undefined;
  #headerTimestamp = -1;

  constructor(connection: Connection, buffer: { size: number; lingerUs: number }, onDrain?: () => void) {
    this.#connection = connection;
    this.#batchSize = Math.max(1024, buffer.size);
    this.#lingerUs = Math.max(0, buffer.lingerUs);
    this.#onDrain = onDrain;
    this.#batch = allocBytes(this.#batchSize);
  }

  /** Bytes held here, not yet handed to the transport. */
  get queuedBytes(): number {
    return this.#backlogBytes + this.#batchEnd - this.#batchStart;
  }

  /** Frames held here, not yet handed to the transport. */
  get queuedFrames(): number {
    return this.#backlogFrames + this.#batchFrames;
  }

  /** True while the transport is pushing back. */
  get blocked(): boolean {
    return this.#blocked;
  }

  writeReqRep(compression: number, id: number, payload: Uint8Array): void {
    const offset = this.#reserve(REQREP_HEADER_SIZE, payload.byteLength);
    this.#batchEnd = writeReqRepHeader(this.#batch, offset, compression, id, payload.byteLength);
    this.#appendPayload(payload);
  }

  writePubSub(
    compression: number,
    topic: Uint8Array,
    timestamp: number,
    seq: number,
    payload: Uint8Array,
  ): void {
    if (payload.byteLength < ZERO_COPY_THRESHOLD) {
      this.#writeSmallPubSub(this.#pubSubHeader(compression, topic, timestamp), seq, payload);
      return;
    }
    const offset = this.#reserve(PUBSUB_FIXED_HEADER_SIZE + topic.byteLength, payload.byteLength);
    this.#batchEnd = writePubSubHeader(
      this.#batch,
      offset,
      compression,
      topic,
      timestamp,
      seq,
      payload.byteLength,
    );
    this.#appendPayload(payload);
  }

  /**
   * Writes one pub/sub frame per payload of `payloads[from..]`, all on `topic` with `compression` and
   * `timestamp`, numbered from `seq` (mod 2^32): the bytes `writePubSub` would write for each. Stops
   * after the first frame at which the transport pushes back, so the owner can apply its limits to
   * the rest; returns the index after the last payload written.
   */
  writePubSubRun(
    compression: number,
    topic: Uint8Array,
    timestamp: number,
    seq: number,
    payloads: readonly Uint8Array[],
    from: number,
  ): number {
    const header = this.#pubSubHeader(compression, topic, timestamp);
    let i = from;
    while (i < payloads.length && !this.#blocked) {
      const payload = payloads[i++]!;
      if (payload.byteLength < ZERO_COPY_THRESHOLD) this.#writeSmallPubSub(header, seq, payload);
      else this.writePubSub(compression, topic, timestamp, seq, payload);
      seq = (seq + 1) >>> 0;
    }
    return i;
  }

  /**
   * The pub/sub header for these fields, with seq and size (its last 8 bytes) left to fill: built and
   * checked by writePubSubHeader once, then reused while the fields stay the same (a publisher's
   * clock reading lasts many messages, its topic's bytes are cached).
   */
  #pubSubHeader(compression: number, topic: Uint8Array, timestamp: number): Uint8Array {
    const cached = this.#header;
    if (topic === this.#headerTopic && timestamp === this.#headerTimestamp && compression === cached[1]) {
      return cached;
    }
    const size = PUBSUB_FIXED_HEADER_SIZE + topic.byteLength;
    const header = size === cached.byteLength ? cached : new Uint8Array(size);
    writePubSubHeader(header, 0, compression, topic, timestamp, 0, 0);
    this.#header = header;
    this.#headerTopic = topic;
    this.#headerTimestamp = timestamp;
    return header;
  }

  /** A frame whose payload is copied into the batch: the header's fixed part, seq, size, payload. */
  #writeSmallPubSub(header: Uint8Array, seq: number, payload: Uint8Array): void {
    const size = payload.byteLength;
    const offset = this.#reserve(header.byteLength, size);
    const batch = this.#batch;
    // One TypedArray#set for the whole header, then seq and size over its last 8 bytes: a byte loop
    // over the 20-odd fixed bytes measured twice as slow as the set.
    batch.set(header, offset);
    const end = writePubSubSeqAndSize(batch, offset + header.byteLength, seq, size);
    batch.set(payload, end);
    this.#batchEnd = end + size;
    if (this.#batchEnd - this.#batchStart >= this.#batchSize) this.flush();
    this.#scheduleFlush();
  }

  /** Hands everything to the transport now (as far as it accepts). */
  flush(): void {
    if (this.#backlog.length === 0 && !this.#blocked && !this.#closed && this.#batchEnd > this.#batchStart) {
      // The common case (a turn's frames, nothing held back): the batch goes straight to the
      // transport, without passing through the backlog's arrays.
      const chunk = this.#takeBatch();
      if (!this.#connection.write(chunk)) this.#blocked = true;
      return;
    }
    this.#sealBatch();
    this.#drainBacklog();
  }

  /**
   * Called by the connection's handler on `onDrain`. Reports `onDrain` to the owner whenever the
   * transport takes data again, even if frames are still batched: those will flush, and no further
   * 'drain' may ever come for them.
   */
  handleDrain(): void {
    this.#blocked = false;
    this.#drainBacklog();
    if (!this.#blocked) this.#onDrain?.();
  }

  /** Drops everything held and stops scheduling flushes. */
  close(): void {
    this.#closed = true;
    this.#backlog = [];
    this.#backlogChunkFrames = [];
    this.#backlogBytes = 0;
    this.#backlogFrames = 0;
    this.#batchStart = this.#batchEnd;
    this.#batchFrames = 0;
  }

  /** Makes room for a header (and a small payload) in the batch; returns where the header goes. */
  #reserve(headerSize: number, payloadSize: number): number {
    const inline = payloadSize < ZERO_COPY_THRESHOLD ? payloadSize : 0;
    if (this.#batchEnd + headerSize + inline > this.#batch.byteLength) {
      // Hand the full batch over now: held back until the turn's end, a burst of publishes in one
      // turn would pile up here unbounded, never seeing the transport push back.
      this.#sealBatch();
      this.#drainBacklog();
      if (this.#batchEnd + headerSize + inline > this.#batch.byteLength) {
        this.#batch = allocBytes(headerSize + inline);
        this.#batchStart = 0;
        this.#batchEnd = 0;
      }
    }
    // The clock matters only to the linger (a reading per lone frame is a measurable share of it).
    if (this.#lingerUs > 0 && this.#batchEnd === this.#batchStart && this.#backlogBytes === 0) {
      this.#firstPendingAt = monotonicMicros();
    }
    this.#appendedSinceCheck = true;
    this.#batchFrames++;
    return this.#batchEnd;
  }

  #appendPayload(payload: Uint8Array): void {
    if (payload.byteLength >= ZERO_COPY_THRESHOLD) {
      // The header is the last thing in the batch: seal it, then queue the payload as its own chunk.
      this.#sealBatch();
      this.#backlog.push(payload);
      this.#backlogChunkFrames.push(0); // its frame was counted with the header's chunk
      this.#backlogBytes += payload.byteLength;
      this.#drainBacklog();
    } else {
      this.#batch.set(payload, this.#batchEnd);
      this.#batchEnd += payload.byteLength;
      if (this.#batchEnd - this.#batchStart >= this.#batchSize) this.flush();
    }
    this.#scheduleFlush();
  }

  /** Moves the filled part of the batch to the backlog and starts a fresh batch. */
  #sealBatch(): void {
    if (this.#batchEnd === this.#batchStart) return;
    const frames = this.#batchFrames;
    const chunk = this.#takeBatch();
    this.#backlog.push(chunk);
    this.#backlogChunkFrames.push(frames);
    this.#backlogBytes += chunk.byteLength;
    this.#backlogFrames += frames;
  }

  /** The filled part of the batch, which now belongs to the caller; a fresh batch starts after it. */
  #takeBatch(): Uint8Array {
    const chunk = this.#batch.subarray(this.#batchStart, this.#batchEnd);
    // The next batch goes after it in the same buffer when plenty is left, otherwise in a fresh one
    // (one view per hand-off: a view of the rest for the next batch measured as much again).
    if (this.#batch.byteLength - this.#batchEnd >= this.#batchSize / 4) {
      this.#batchStart = this.#batchEnd;
    } else {
      this.#batch = allocBytes(this.#batchSize);
      this.#batchStart = 0;
      this.#batchEnd = 0;
    }
    this.#batchFrames = 0;
    return chunk;
  }

  #drainBacklog(): void {
    if (this.#closed) return;
    while (!this.#blocked && this.#backlog.length > 0) {
      if (this.#writeGroup()) continue;
      const chunk = this.#backlog.shift()!;
      this.#backlogBytes -= chunk.byteLength;
      this.#backlogFrames -= this.#backlogChunkFrames.shift()!;
      if (!this.#connection.write(chunk)) this.#blocked = true;
    }
  }

  /**
   * Hands the backlog's first chunks to the transport in one `writev`: those up to and including the
   * one that takes the group to a batch's size (a large payload and the batch holding its header then
   * go out in one system call instead of two, and no call hands over much more than one `write`
   * would). Returns false, writing nothing, when the transport has no `writev` or the first chunk
   * would go alone.
   */
  #writeGroup(): boolean {
    const backlog = this.#backlog;
    if (backlog.length === 1 || this.#connection.writev === undefined) return false;
    let count = 0;
    let bytes = 0;
    let frames = 0;
    while (count < backlog.length && bytes < this.#batchSize) {
      bytes += backlog[count]!.byteLength;
      frames += this.#backlogChunkFrames[count]!;
      count++;
    }
    if (count === 1) return false;
    const group = backlog.splice(0, count);
    this.#backlogChunkFrames.splice(0, count);
    this.#backlogBytes -= bytes;
    this.#backlogFrames -= frames;
    if (!this.#connection.writev(group)) this.#blocked = true;
    return true;
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || this.#closed) return;
    this.#flushScheduled = true;
    this.#appendedSinceCheck = false;
    atTurnEnd(this.#onTurnEnd);
  }

  /** End of an event-loop turn: flush, unless lingering is on and frames are still streaming in. */
  readonly #onTurnEnd = (): void => {
    this.#flushScheduled = false;
    if (this.#closed || this.queuedBytes === 0) return;
    const lingering =
      this.#lingerUs > 0 &&
      this.#appendedSinceCheck &&
      monotonicMicros() - this.#firstPendingAt < this.#lingerUs;
    if (lingering) {
      this.#flushScheduled = true;
      this.#appendedSinceCheck = false;
      onNextTurn(this.#onTurnEnd);
      return;
    }
    this.flush();
  };
}
