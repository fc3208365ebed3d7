import type { Transport } from "@msg/core";
import { PubSocket, RepSocket, ReqSocket, SubSocket } from "@msg/socket";
import { afterEach } from "vitest";
import type { Peer } from "../src/index.js";

interface Closable {
  close(): unknown;
}

/** Closes whatever a test opened, after the test, even when it failed. */
export function useCleanup(): <T extends Closable>(thing: T) => T {
  let open: Closable[] = [];
  afterEach(async () => {
    const closing = open.reverse();
    open = [];
    for (const thing of closing) await thing.close();
  });
  return (thing) => {
    open.push(thing);
    return thing;
  };
}

/** An echo Rep on `server` and a Req on `client`, over the given transports (in-memory by default). */
export async function reqRep(
  track: <T extends Closable>(thing: T) => T,
  client: Peer,
  server: Peer,
  transports: { client?: Transport; server?: Transport; bind?: string } = {},
  reqOptions: ConstructorParameters<typeof ReqSocket>[1] = {},
) {
  const rep = track(new RepSocket(transports.server ?? server.transport()));
  const address = await rep.bind(transports.bind ?? server.address(5555));
  void (async () => {
    for await (const request of rep) request.respond(request.payload);
  })();
  const req = track(
    new ReqSocket(transports.client ?? client.transport(), { timeout: 10_000, ...reqOptions }),
  );
  await req.connect(address);
  return { req, rep, address };
}

/** Milliseconds one request of `bytes` takes, round trip. */
export async function timeRequest(req: ReqSocket, bytes = 16): Promise<number> {
  const started = performance.now();
  await req.request(new Uint8Array(bytes));
  return performance.now() - started;
}

/** A Pub on `server` and a Sub on `client` subscribed to `pattern`, ready (the subscription reached the Pub). */
export async function pubSub(
  track: <T extends Closable>(thing: T) => T,
  client: Peer,
  server: Peer,
  transports: { client?: Transport; server?: Transport; bind?: string } = {},
  pattern = ">",
) {
  const pub = track(new PubSocket(transports.server ?? server.transport()));
  const address = await pub.bind(transports.bind ?? server.address(6000));
  const sub = track(new SubSocket(transports.client ?? client.transport()));
  const subscribed = new Promise<void>((resolve) => pub.on("subscribed", () => resolve()));
  await sub.subscribe(pattern);
  void sub.connect(address);
  await subscribed;
  return { pub, sub, address };
}
