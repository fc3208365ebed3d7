/**
 * The client side of the raw baselines' Req/Rep, whatever carries the bytes: each request goes out as
 * one length-prefixed frame, responses are matched in order (one connection, FIFO), and everything
 * still waiting fails when the connection breaks.
 */
import { Fifo } from "./fifo.mjs";
import { encodeFrame, FrameDecoder, HEADER_BYTES } from "./length-prefix.mjs";

export class Requester {
  #waiting = new Fifo();
  #decoder = new FrameDecoder();
  #send;

  /** `send(frame)` writes one encoded request. */
  constructor(send) {
    this.#send = send;
  }

  request(payload) {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject });
      this.#send(encodeFrame(payload));
    });
  }

  /** Bytes received from the server: resolves the requests whose responses they complete. */
  receive(chunk) {
    this.#decoder.push(chunk, (buffer, start, end) =>
      this.#waiting.shift()?.resolve(buffer.subarray(start + HEADER_BYTES, end)),
    );
  }

  /** The connection broke: every waiting request fails with `error`. */
  fail(error) {
    for (const pending of this.#waiting.drain()) pending.reject(error);
  }
}
