import { ErrorCode, isMsgError } from "@msg/core";
import { describe, expect, it } from "vitest";
import { importLibrary, loadQuicLibrary } from "../src/library/load.js";

describe("loading the optional QUIC library", () => {
  it("a library that is not installed fails with transport_unavailable naming the package", async () => {
    const name = "@msg/no-such-quic-library";
    const error = await importLibrary(name).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(isMsgError(error, ErrorCode.TransportUnavailable)).toBe(true);
    expect((error as Error).message).toBe(
      `the QUIC transport needs the optional packages @matrixai/quic and selfsigned; ${name} is not installed: npm install @matrixai/quic selfsigned`,
    );
  });

  it("the installed library loads once and is shared", async () => {
    const library = await loadQuicLibrary();
    expect(typeof library.QUICClient).toBe("function");
    expect(await loadQuicLibrary()).toBe(library);
  });
});
