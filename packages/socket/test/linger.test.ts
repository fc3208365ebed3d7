import { ErrorCode, isMsgError } from "@msg/core";
import { rejectionOf, waitFor, withTimeout } from "@msg/core/testing";
import { TcpTransport } from "@msg/transport-tcp";
import { describe, expect, it } from "vitest";
import { CLOSE_GRACE_MS } from "../src/graceful-close.js";
import { PubSocket, RepSocket, ReqSocket, type Request } from "../src/index.js";
import { pausedSubscriber } from "./support/raw-subscriber.js";
import { useCleanup } from "./support/sockets.js";

/** Long enough that the socket is still waiting when the test acts; the test never waits it out. */
const LONG_LINGER = 10_000;

describe("close({ linger })", () => {
  const track = useCleanup();

  /** A Rep whose requests the test answers by hand, and a Req connected to it. */
  async function pair() {
    const rep = track(new RepSocket(new TcpTransport()));
    const address = await rep.bind("127.0.0.1:0");
    const req = track(new ReqSocket(new TcpTransport(), { timeout: 30_000 }));
    void req.connect(address);
    const requests = rep[Symbol.asyncIterator]();
    const nextRequest = async (): Promise<Request> =>
      (await withTimeout(requests.next(), 5000, "a request at the Rep")).value;
    return { rep, req, nextRequest };
  }

  /** A close in progress, and whether it has finished yet. */
  function tracked(close: Promise<void>): { settled: Promise<void>; readonly done: boolean } {
    let done = false;
    const settled = close.then(() => {
      done = true;
    });
    return {
      settled,
      get done() {
        return done;
      },
    };
  }

  /** Lets a close that should be waiting run for a moment, to see that it does not finish early. */
  const moment = () => new Promise((resolve) => setTimeout(resolve, 100));

  it("Req: an in-flight request answered within the linger resolves", async () => {
    const { req, nextRequest } = await pair();
    const answer = req.request("in flight");
    const request = await nextRequest();
    const closing = tracked(req.close({ linger: LONG_LINGER }));
    await moment();
    expect(closing.done).toBe(false); // waiting for the answer
    request.respond("made it");
    expect(Buffer.from(await withTimeout(answer, 5000, "the answer")).toString()).toBe("made it");
    await withTimeout(closing.settled, 2000, "close to finish once nothing is in flight");
  });

  it("Req: an in-flight request not answered within the linger fails with socket_closed", async () => {
    const { req, nextRequest } = await pair();
    const answer = req.request("too slow");
    await nextRequest(); // received, never answered
    const started = performance.now();
    await withTimeout(req.close({ linger: 150 }), 5000, "close");
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(isMsgError(await rejectionOf(answer), ErrorCode.SocketClosed)).toBe(true);
  });

  it("Rep: a request answered within the linger reaches the Req", async () => {
    const { rep, req, nextRequest } = await pair();
    const answer = req.request("question");
    const request = await nextRequest();
    const closing = tracked(rep.close({ linger: LONG_LINGER }));
    await moment();
    expect(closing.done).toBe(false); // waiting for the handed-out request to be answered
    request.respond("answer during linger");
    expect(Buffer.from(await withTimeout(answer, 5000, "the answer")).toString()).toBe(
      "answer during linger",
    );
    await withTimeout(closing.settled, 5000, "close");
    expect(rep.stats().failedRequests).toBe(0);
  });

  it("Rep: an answer after the linger is dropped and counted; the Req sees connection_lost", async () => {
    const { rep, req, nextRequest } = await pair();
    const answer = req.request("question");
    const request = await nextRequest();
    const lost = rejectionOf(answer);
    await withTimeout(rep.close({ linger: 150 }), 5000, "close");
    expect(isMsgError(await withTimeout(lost, 5000, "the failure"), ErrorCode.ConnectionLost)).toBe(true);
    request.respond("too late");
    expect(rep.stats().failedRequests).toBe(1);
  });

  /** Publishes until the subscriber's queue at the Pub holds messages; returns how many were sent. */
  async function fillQueue(pub: PubSocket): Promise<number> {
    const total = 400;
    for (let i = 0; i < total; i++) pub.publish("linger", Buffer.alloc(64 * 1024, i % 251));
    await waitFor(() => (pub.subscribers()[0]?.queuedMessages ?? 0) > 0, 5000, "messages queued at the Pub");
    expect(pub.subscribers()[0]?.sent).toBe(total);
    return total;
  }

  it("Pub: queued messages are delivered when the subscriber reads within the linger", async () => {
    const pub = track(new PubSocket(new TcpTransport(), { maxQueueBytes: 64 * 1024 * 1024 }));
    const address = await pub.bind("127.0.0.1:0");
    const subscriber = track(await pausedSubscriber(pub, address, "linger"));
    const total = await fillQueue(pub);
    const closing = tracked(pub.close({ linger: LONG_LINGER }));
    // The subscriber stays silent for longer than the grace period any close gives a peer, so only
    // the linger can be what keeps the connection open for it.
    await new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS + 500));
    expect(closing.done).toBe(false); // waiting for the queue to drain
    subscriber.startReading();
    await withTimeout(closing.settled, 10_000, "close once the queue drained");
    await withTimeout(subscriber.closed, 5000, "the subscriber's connection to close");
    expect(subscriber.frames.map((frame) => frame.seq)).toEqual(Array.from({ length: total }, (_, i) => i));
  });

  it("Pub: what is still queued when the linger (and the close grace period) ends is dropped", async () => {
    const pub = track(new PubSocket(new TcpTransport(), { maxQueueBytes: 64 * 1024 * 1024 }));
    const address = await pub.bind("127.0.0.1:0");
    const subscriber = track(await pausedSubscriber(pub, address, "linger"));
    const total = await fillQueue(pub);
    await withTimeout(pub.close({ linger: 150 }), 10_000, "close");
    subscriber.startReading(); // too late: the connection was destroyed
    await withTimeout(subscriber.closed, 5000, "the subscriber's connection to close");
    const received = subscriber.frames.length;
    expect(received).toBeLessThan(total);
    // What did arrive is an unbroken prefix.
    expect(subscriber.frames.map((frame) => frame.seq)).toEqual(
      Array.from({ length: received }, (_, i) => i),
    );
  });
});
