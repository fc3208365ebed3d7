import { afterEach, describe, expect, it } from "vitest";
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
});
