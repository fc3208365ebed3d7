import { ErrorCode, MsgError } from "@msg/core";

/**
 * Rate units as `tc(8)` writes them: `bit` (or a bare number) is bits per second, `bps` bytes per
 * second; SI prefixes k, m, g, t multiply by 1000, IEC prefixes ki, mi, gi, ti by 1024. Case is ignored,
 * as tc ignores it.
 */
const unitBits: Record<string, number> = { "": 1, bit: 1, bps: 8 };
const prefixes: Record<string, number> = {
  k: 1e3,
  m: 1e6,
  g: 1e9,
  t: 1e12,
  ki: 1024,
  mi: 1024 ** 2,
  gi: 1024 ** 3,
  ti: 1024 ** 4,
};

/**
 * Parses a rate such as `500kbit`, `10mbit`, `1gbit`, `125kbps` or `64000` into bits per second.
 * Throws MsgError `invalid_argument` for anything else, or a rate that is not positive.
 */
export function parseRate(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(k|m|g|t|ki|mi|gi|ti)?(bit|bps)?$/i.exec(text.trim());
  const prefix = match?.[2]?.toLowerCase();
  const unit = match?.[3]?.toLowerCase() ?? "";
  // A prefix needs a unit: "10m" is ambiguous (tc rejects it too).
  if (!match || (prefix !== undefined && unit === "")) {
    throw new MsgError(
      ErrorCode.InvalidArgument,
      `rate "${text}" is not a rate: write bits per second (64000) or tc's units (500kbit, 10mbit, 1gbit, 125kbps)`,
    );
  }
  const bits = Number(match[1]) * (prefix ? prefixes[prefix]! : 1) * unitBits[unit]!;
  if (!(bits > 0) || !Number.isFinite(bits)) {
    throw new MsgError(ErrorCode.InvalidArgument, `rate "${text}" must be above 0`);
  }
  return bits;
}
