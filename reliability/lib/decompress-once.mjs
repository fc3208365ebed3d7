/**
 * Decompresses one bomb in a fresh process and prints its peak RSS growth as JSON. argv: the bomb's
 * kind (see BOMB_KINDS), and `msg` (through @msg/wire's decompress, with the default limit) or
 * `library` (straight into @mongodb-js/zstd, which is what @msg/wire did before it walked the
 * headers of a zstd payload with trailing bytes).
 */
import { createRequire } from "node:module";
import { DEFAULT_MAX_DECOMPRESSED_SIZE, decompress } from "@msg/wire";
import { bomb as makeBomb } from "./hostile.mjs";
import { peakRssMiB, resetPeakRss, rssMiB } from "./measure.mjs";

const [name, path] = process.argv.slice(2);
const bomb = await makeBomb(name, DEFAULT_MAX_DECOMPRESSED_SIZE);
globalThis.gc?.();
resetPeakRss();
const before = rssMiB();
let outcome;
try {
  if (path === "library") {
    const zstd = createRequire(import.meta.url)("@mongodb-js/zstd");
    outcome = `${(await zstd.decompress(bomb.payload)).length} bytes`;
  } else {
    outcome = `${(await decompress(bomb.compression, bomb.payload)).length} bytes`;
  }
} catch (error) {
  outcome = error.code ?? error.message;
}
console.log(JSON.stringify({ peakGrowthMiB: Math.round(peakRssMiB() - before), outcome }));
