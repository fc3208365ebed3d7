/**
 * Peak RSS of one process decompressing one bomb of each kind (64 MiB default limit), each in a fresh
 * process: what a bomb costs now, and for the zstd frames with trailing bytes, what the library call
 * @msg/wire made before (no bound from the headers) cost.
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BOMB_KINDS } from "../lib/hostile.mjs";
import { scenario } from "../lib/scenario.mjs";

const ONCE = fileURLToPath(new URL("../lib/decompress-once.mjs", import.meta.url));
const BEFORE = ["zstd + junk", "zstd RLE 1 GiB + junk"];

function once(kind, path) {
  const output = execFileSync(process.execPath, ["--expose-gc", ONCE, kind, path], {
    encoding: "utf8",
    timeout: 120_000,
  });
  return JSON.parse(output.trim().split("\n").at(-1));
}

await scenario("bomb-memory", async ({ short, figure, check }) => {
  for (const kind of BOMB_KINDS) {
    const now = once(kind, "msg");
    figure(`${kind}: peak RSS growth, outcome`, `${now.peakGrowthMiB} MiB, ${now.outcome}`);
    check(now.outcome === "decompressed_too_large", `${kind}: refused as decompressed_too_large`);
    check(now.peakGrowthMiB <= 64 + 32, `${kind}: peak growth within the 64 MiB limit + 32 MiB`);
  }
  // The unbounded library call takes seconds and a GiB: the full run only.
  if (!short) {
    for (const kind of BEFORE) {
      const before = once(kind, "library");
      figure(
        `${kind}, before (library call unbounded): peak RSS growth, outcome`,
        `${before.peakGrowthMiB} MiB, ${before.outcome}`,
      );
    }
  }
});
