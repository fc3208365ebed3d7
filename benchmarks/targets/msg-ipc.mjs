// msg's sockets over a Unix domain socket, against raw unix sockets.
import { msgTarget } from "../lib/msg-target.mjs";
import { newUnixSocketPath } from "../lib/unix-paths.mjs";

export default msgTarget({
  name: "msg-ipc",
  baseline: "raw-unix",
  transport: async () => new (await import("@msg/transport-ipc")).IpcTransport(),
  bindAddress: newUnixSocketPath,
});
