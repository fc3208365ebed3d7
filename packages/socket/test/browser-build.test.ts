import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createContext, runInContext } from "node:vm";
import { type BuildOptions, build, type Plugin } from "esbuild";
import { describe, expect, it } from "vitest";

/**
 * The browser builds of @msg/core, @msg/wire and @msg/socket, bundled as a browser app would bundle
 * them (esbuild, platform browser): nothing from Node may be reachable, and the sockets must work in a
 * context that has only web globals. Checked twice: from the sources (the `source` condition, as this
 * workspace resolves them) and from the published build (dist/browser, through the `browser` condition).
 */

const here = dirname(fileURLToPath(import.meta.url));
const packagesDir = join(here, "..", "..");
const PACKAGES = ["core", "wire", "socket"] as const;
const NODE_BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

const variants = [
  { name: "sources", conditions: ["source"] },
  { name: "published build", conditions: [] },
] as const;

/** Records every Node builtin the bundle asks for (and leaves it out, so the bundle still builds). */
function nodeBuiltinRecorder(found: Set<string>): Plugin {
  return {
    name: "node-builtins",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        if (!NODE_BUILTINS.has(args.path) && !args.path.startsWith("node:")) return undefined;
        found.add(`${args.path} (from ${args.importer})`);
        return { path: args.path, external: true };
      });
    },
  };
}

async function bundle(options: BuildOptions, conditions: readonly string[]) {
  const found = new Set<string>();
  const result = await build({
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
    absWorkingDir: here,
    conditions: [...conditions],
    plugins: [nodeBuiltinRecorder(found)],
    ...options,
  });
  return {
    found: [...found],
    code: result.outputFiles![0]!.text,
    inputs: Object.keys(result.metafile!.inputs),
  };
}

/** A context with the globals a browser page has that the code may use, and none of Node's. */
function browserLikeContext() {
  // Browser timers are numbers; Node's are objects (with unref), which would hide a Node-only call.
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  let nextTimer = 1;
  const encoder = new TextEncoder();
  const context: Record<string, unknown> = {
    outerEncode: (text: string) => encoder.encode(text),
    TextDecoder,
    queueMicrotask,
    performance,
    console,
    AbortController,
    AbortSignal,
    EventTarget,
    Event,
    setTimeout: (callback: () => void, ms?: number) => {
      const id = nextTimer++;
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id);
          callback();
        }, ms),
      );
      return id;
    },
    clearTimeout: (id: number | undefined) => {
      if (id === undefined) return;
      clearTimeout(timers.get(id));
      timers.delete(id);
    },
  };
  createContext(context);
  // Byte arrays must be the context's own (a page has one realm): `instanceof Uint8Array` is checked.
  runInContext(
    `(() => {
      const encode = globalThis.outerEncode;
      delete globalThis.outerEncode;
      globalThis.TextEncoder = class TextEncoder {
        get encoding() { return "utf-8"; }
        encode(text = "") { return new Uint8Array(encode(String(text))); }
      };
    })();`,
    context,
  );
  return context;
}

describe("browser build of @msg/core, @msg/wire and @msg/socket", () => {
  for (const variant of variants) {
    describe(variant.name, () => {
      for (const name of PACKAGES) {
        it(`@msg/${name} bundles for the browser with nothing from Node`, async () => {
          const { found, inputs } = await bundle(
            { stdin: { contents: `export * from "@msg/${name}";`, resolveDir: here, loader: "ts" } },
            variant.conditions,
          );
          expect(found).toEqual([]);
          // The web implementations were picked, not the Node ones.
          expect(inputs.some((input) => /platform[\\/]node|zlib-node|native-node/.test(input))).toBe(false);
          if (variant.name === "sources" && name === "core")
            expect(inputs.some((input) => input.includes("platform/browser"))).toBe(true);
        });
      }

      it("Req/Rep with gzip, Pub/Sub with a wildcard and the emitter work with only web globals", async () => {
        const { found, code } = await bundle(
          { entryPoints: [join(here, "browser", "smoke-entry.ts")], format: "iife", globalName: "smoke" },
          variant.conditions,
        );
        expect(found).toEqual([]);
        const context = browserLikeContext();
        runInContext(code, context);
        const seen = await (context.smoke as { run(): Promise<Record<string, unknown>> }).run();
        expect(seen.hasNodeGlobals).toEqual([]);
        expect(seen.short).toBe("echo hi");
        expect(seen.longMatches).toBe(true);
        expect(seen.message).toEqual({ topic: "prices.eur.usd", payload: "1.09" });
        for (const codec of ["zstd", "snappy", "lz4"]) {
          expect(seen[codec]).toMatchObject({ code: "codec_unavailable" });
          expect((seen[codec] as { message: string }).message).toMatch(/only on Node/);
        }
        expect(seen.snappyDecompress).toBe("codec_unavailable");
        expect(seen.emitted).toEqual([1, 10, 2]);
      });
    });
  }

  it("every file the export conditions name exists after the build", () => {
    const missing: string[] = [];
    const targets = (value: unknown): string[] =>
      typeof value === "string" ? [value] : Object.values(value as object).flatMap(targets);
    for (const name of PACKAGES) {
      const manifest = JSON.parse(readFileSync(join(packagesDir, name, "package.json"), "utf8"));
      for (const target of [...targets(manifest.exports), ...targets(manifest.imports ?? {})]) {
        if (!existsSync(join(packagesDir, name, target))) missing.push(`@msg/${name}: ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
