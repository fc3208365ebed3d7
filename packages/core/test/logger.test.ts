import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger, type LogRecord, setLogLevel, setLogSink } from "../src/index.js";

describe("logger", () => {
  afterEach(() => {
    setLogLevel(undefined);
    setLogSink(undefined);
  });

  it("is silent by default", () => {
    const records: LogRecord[] = [];
    setLogSink((r) => records.push(r));
    setLogLevel(undefined);
    createLogger("socket").error("nope");
    expect(records).toEqual([]);
  });

  it("applies per-namespace levels to children, most specific first", () => {
    const records: LogRecord[] = [];
    setLogSink((r) => records.push(r));
    setLogLevel("warn,socket=debug,socket.rep=trace");
    const socket = createLogger("socket");
    socket.child("req").debug("req debug");
    socket.child("req").trace("req trace (dropped)");
    socket.child("rep").trace("rep trace", { id: 1 });
    createLogger("wire").info("wire info (dropped)");
    createLogger("wire").warn("wire warn");
    expect(records.map((r) => `${r.namespace}:${r.level}:${r.message}`)).toEqual([
      "socket.req:debug:req debug",
      "socket.rep:trace:rep trace",
      "wire:warn:wire warn",
    ]);
    expect(records[1]!.fields).toEqual({ id: 1 });
  });

  it("reports an unknown level or a malformed namespace once on stderr, and keeps the rest of the spec", () => {
    const records: LogRecord[] = [];
    setLogSink((r) => records.push(r));
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      setLogLevel("debgu,=info,socket=loud,wire=warn");
      setLogLevel("debgu,=info,socket=loud,wire=warn"); // the same typos again: not reported twice
    } finally {
      spy.mockRestore();
    }
    expect(written).toHaveLength(3);
    expect(written[0]).toContain('"debgu"');
    expect(written[0]).toContain("unknown level");
    expect(written[1]).toContain("is not a namespace");
    expect(written[2]).toContain('unknown level "loud"');
    createLogger("wire").warn("kept");
    createLogger("socket").error("socket=loud was skipped, and the default is off");
    expect(records.map((r) => r.message)).toEqual(["kept"]);
  });

  it("accepts off, in any case, without a report", () => {
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      setLogLevel("OFF,socket=Off,wire=DEBUG");
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(createLogger("wire").enabled("debug")).toBe(true);
    expect(createLogger("socket").enabled("error")).toBe(false);
  });
});
