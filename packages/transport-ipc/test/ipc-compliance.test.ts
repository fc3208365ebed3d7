import { transportComplianceSuite } from "@msg/core/compliance";
import { TempPaths } from "@msg/core/testing";
import { afterAll } from "vitest";
import { IpcTransport } from "../src/index.js";

const paths = new TempPaths();
afterAll(() => paths.removeAll());

transportComplianceSuite("ipc (unix domain sockets)", {
  server: () => new IpcTransport(),
  client: () => new IpcTransport(),
  bindAddress: () => paths.next(),
  deadAddress: () => paths.next("dead"),
  limits: {
    remoteAddressIsNotClientAddress:
      "a unix socket client has no address; accepted peers are named <path>#<n> instead",
  },
});
