/**
 * Builds a benchmark target (see README "Targets") for msg's sockets over one transport. Each
 * `targets/msg-*.mjs` file only names the transport; the socket wiring lives here, once.
 */

/**
 * @param {object} spec
 * @param {string} spec.name target name
 * @param {string} spec.baseline the target its ratios divide by
 * @param {(side: "server" | "client", shared: unknown) => Promise<import("@msg/core").Transport>} spec.transport
 * @param {() => string} spec.bindAddress where servers bind
 * @param {() => Promise<unknown>} [spec.shared] made once by each server and handed to its clients with
 *   the address (TLS: the CA the clients must trust)
 */
export function msgTarget({ name, baseline, transport, bindAddress, shared = async () => undefined }) {
  const sockets = () => import("@msg/socket");
  return {
    name,
    baseline,
    reqrep: {
      sockets: { sequential: "ReqSocket/RepSocket", pipelined: "ReqSocket/RepSocket" },
      async server() {
        const { RepSocket } = await sockets();
        const secrets = await shared();
        const rep = new RepSocket(await transport("server", secrets));
        const address = await rep.bind(bindAddress());
        (async () => {
          for await (const request of rep) request.respond(request.payload);
        })();
        return { address: { address, secrets }, close: () => rep.close() };
      },
      async client({ address: { address, secrets } }) {
        const { ReqSocket } = await sockets();
        // Default windows (8192 in flight + 8192 waiting) exceed the suite's 2048 in flight.
        const req = new ReqSocket(await transport("client", secrets), { timeout: 30_000 });
        await req.connect(address);
        return { request: (payload) => req.request(payload), close: () => req.close() };
      },
    },
    pubsub: {
      sockets: "PubSocket/SubSocket",
      lossy: true, // whenFull "drop" in the stalled suite: compare received with sent
      async publisher({ topic, backpressure }) {
        const { PubSocket } = await sockets();
        const secrets = await shared();
        const pub = new PubSocket(await transport("server", secrets), {
          whenFull: backpressure ? "block" : "drop",
        });
        const address = await pub.bind(bindAddress());
        return {
          address: { address, secrets },
          publish: (payload) => pub.publish(topic, payload),
          close: () => pub.close(),
        };
      },
      async subscriber({ address: { address, secrets }, topic, onMessage }) {
        const { SubSocket } = await sockets();
        const sub = new SubSocket(await transport("client", secrets));
        await sub.subscribe(topic);
        await sub.connect(address);
        (async () => {
          for await (const message of sub) onMessage(message.payload);
        })();
        return { close: () => sub.close() };
      },
    },
  };
}
