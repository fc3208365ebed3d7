import { ErrorCode, isMsgError } from "@msg/core";
import { rejectionOf, withTimeout } from "@msg/core/testing";
import { TcpTransport } from "@msg/transport-tcp";
import { describe, expect, it } from "vitest";
import { RepSocket, ReqSocket } from "../src/index.js";

// The only test in its file: vitest runs each file in a fresh process, so what keeps this process
// alive before the test is exactly the test runner's own handles, and must be all that is left after.
describe("Req/Rep close", () => {
  it("close() stops every timer and releases every handle, so nothing keeps the process alive", async () => {
    // What keeps a Node process alive, by kind ("Timeout", "TCPSocketWrap", ...), as a sorted list.
    const alive = () => process.getActiveResourcesInfo().sort();
    const before = alive();
    const rep = new RepSocket(new TcpTransport());
    const address = await rep.bind("127.0.0.1:0");
    const served = (async () => {
      for await (const request of rep)
        if (Buffer.from(request.payload).toString() !== "hold") request.respond("ok");
    })();
    const req = new ReqSocket(new TcpTransport());
    void req.connect(address);
    await withTimeout(req.request("x"), 5000, "request");
    const pending = req.request("hold", { timeout: 60_000 }); // never answered: its deadline timer is armed
    pending.catch(() => {});
    const during = alive();
    expect(during.filter((kind) => kind === "Timeout").length).toBeGreaterThan(
      before.filter((kind) => kind === "Timeout").length,
    );
    expect(during).toContain("TCPServerWrap");
    await req.close();
    await rep.close();
    await withTimeout(served, 5000, "the Rep loop to end");
    expect(isMsgError(await rejectionOf(pending), ErrorCode.SocketClosed)).toBe(true);
    expect(isMsgError(await rejectionOf(req.request("z")), ErrorCode.SocketClosed)).toBe(true);
    expect(alive()).toEqual(before);
  });
});
