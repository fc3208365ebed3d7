import { withTimeout } from "@msg/core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { bindQueue, Reader, Resources, testTransport } from "./helpers.js";

const resources = new Resources();
afterEach(() => resources.closeAll());

describe("QUIC transport", () => {
  it("connects, and the server sees the connection once the client writes", async () => {
    const transport = testTransport();
    const server = await bindQueue(transport, resources);
    const client = resources.connection(await transport.connect(server.listener.localAddress));
    expect(client.transport).toBe("quic");
    client.write(Buffer.from("hello"));
    const accepted = await server.next();
    const reader = new Reader(accepted);
    await reader.untilLength(5);
    expect(reader.text()).toBe("hello");
    expect(accepted.remoteAddress).toBe(client.localAddress.replace("0.0.0.0", "127.0.0.1"));
  });
});
