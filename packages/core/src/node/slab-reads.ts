import { Buffer } from "node:buffer";
import type { Socket } from "node:net";
import { adoptAccepted } from "./adopt-accepted.js";

/** Room every read gets: what Node's own reads get (fewer would mean more reads for bulk data). */
const READ_BYTES = 64 * 1024;
/** Size of one slab: room for two full reads, or for hundreds of small ones. */
const SLAB_BYTES = 2 * READ_BYTES;

/** What {@link SlabReads.forAccepted} gives back. */
export interface AcceptedReads {
  /** The socket to use from now on. */
  socket: Socket;
  /** The slabs it is read through; undefined when it is read through its stream. */
  slabReads: SlabReads | undefined;
}

/**
 * Reads a plain `net.Socket` through node:net's documented `onread` option instead of its Readable
 * stream: each read lands in the unused part of a 128 KiB slab, with 64 KiB of room as Node's own
 * reads have, so Node allocates nothing per read and the stream's per-chunk machinery ('data' event,
 * read-ahead tick) is skipped: about 1 µs less CPU per read on a small round trip
 * (docs/benchmarks.md). A chunk handed out is never read over (the next read starts after it), so
 * views into it stay valid as long as they are kept, as with Node's own buffers. A view kept alone
 * keeps its whole slab alive, as a view into Node's Buffer pool keeps its pool (one of Node's own
 * reads keeps only that read's bytes).
 *
 * Not for a socket under TLS (TLS reads the socket itself). Pausing is the socket's own
 * `pause()`/`resume()`, which node:net implements for `onread` sockets too.
 */
export class SlabReads {
  /**
   * An accepted socket (paused, as NetListener hands it over) moved into one read through new slabs
   * ({@link adoptAccepted}); `slabReads` is undefined where it could not be moved and the socket is
   * read through its stream.
   */
  static forAccepted(accepted: Socket): AcceptedReads {
    const reads = new SlabReads();
    const { socket, adopted } = adoptAccepted(accepted, { allowHalfOpen: true, onread: reads.onread });
    return { socket, slabReads: adopted ? reads : undefined };
  }

  /** The slab's memory (Buffer.allocUnsafe may place a slab anywhere in a larger ArrayBuffer). */
  #slab: ArrayBuffer;
  #slabOffset: number;
  #used = 0;
  #sink: ((chunk: Uint8Array) => void) | undefined;
  /** Chunks read before a sink was attached (reading stops at the first, so at most one read's worth). */
  #held: Uint8Array[] = [];

  /** The `onread` option to give `net.connect`. */
  readonly onread = {
    /** Where the next read goes (node:net asks after every read). */
    buffer: (): Uint8Array => this.#nextBuffer(),
    /** `nread` bytes arrived at the start of `buffer`; false pauses the socket. */
    callback: (nread: number): boolean => this.#read(nread),
  };

  constructor() {
    [this.#slab, this.#slabOffset] = newSlab();
  }

  /** Sends every chunk read from now on to `sink`, after those read before. */
  attach(sink: (chunk: Uint8Array) => void): void {
    this.#sink = sink;
    for (const chunk of this.#held.splice(0)) sink(chunk);
  }

  /**
   * Where the next read goes: the slab's unused tail, or a fresh slab when too little is left. Views
   * are made from the cached ArrayBuffer: `Buffer#subarray` reads the typed array's `buffer`, a call
   * into V8's C++ that took half of each view's 50 ns; node:net needs no Buffer for this one.
   */
  #nextBuffer(): Uint8Array {
    if (SLAB_BYTES - this.#used < READ_BYTES) {
      [this.#slab, this.#slabOffset] = newSlab();
      this.#used = 0;
    }
    return new Uint8Array(this.#slab, this.#slabOffset + this.#used, READ_BYTES);
  }

  /**
   * `nread` bytes arrived at the start of the last tail handed out (at `#used`); false pauses the
   * socket. The chunk is a Buffer, as node:net's own chunks are, so payloads cut from it are too.
   */
  #read(nread: number): boolean {
    const chunk = Buffer.from(this.#slab, this.#slabOffset + this.#used, nread);
    this.#used += nread;
    if (this.#sink) {
      this.#sink(chunk);
      return true;
    }
    this.#held.push(chunk);
    return false;
  }
}

/** A fresh slab: its ArrayBuffer and where in it the slab starts. */
function newSlab(): [ArrayBuffer, number] {
  const slab = Buffer.allocUnsafe(SLAB_BYTES);
  return [slab.buffer as ArrayBuffer, slab.byteOffset];
}
