import { ErrorCode, isMsgError, type MsgError } from "../errors.js";

/** Every (option, bad value) pair of a table `{ option: [bad values] }`, flat, for `it.each`. */
export function badOptionCases(
  table: Record<string, readonly unknown[]>,
): { option: string; value: unknown }[] {
  return Object.entries(table).flatMap(([option, values]) => values.map((value) => ({ option, value })));
}

/**
 * Calls `create({ [option]: value })` and returns the error it throws, checking that it is what every
 * msg constructor throws for a bad option: MsgError `invalid_argument`, naming the option and what it
 * accepts. Throws a descriptive Error otherwise (nothing thrown, another error, the name missing).
 */
export function optionRefusal(
  create: (options: Record<string, unknown>) => unknown,
  option: string,
  value: unknown,
): MsgError {
  let thrown: unknown;
  try {
    create({ [option]: value });
  } catch (error) {
    thrown = error;
  }
  const shown = `${option}: ${typeof value === "string" ? JSON.stringify(value) : String(value)}`;
  if (thrown === undefined) throw new Error(`${shown} was accepted`);
  if (!isMsgError(thrown, ErrorCode.InvalidArgument)) throw new Error(`${shown} threw ${String(thrown)}`);
  if (!thrown.message.includes(`\`${option}\``) || !/ must be .+/.test(thrown.message)) {
    throw new Error(`${shown}: the message does not name the option and its range: ${thrown.message}`);
  }
  return thrown;
}

/** Values that are not a number, to refuse for any numeric option. */
export const notANumber: readonly unknown[] = ["10", Number.NaN, null, true];

/** Values to refuse for a timeout in ms (a positive integer a Node timer can hold). */
export const badTimeoutValues: readonly unknown[] = [...notANumber, 0, -1, 1.5, 2 ** 31];

/** Values to refuse for the TLS options every TLS-based transport takes, as a badOptionCases table. */
export const badTlsOptionValues: Record<string, readonly unknown[]> = {
  cert: [42, {}, ["pem", 1]],
  key: [42, new Uint16Array(2)],
  ca: [true, [{}]],
  requireClientCert: ["true"],
  servername: [42],
  rejectUnauthorized: [0],
  minVersion: ["TLSv1.1", "tls1.3"],
  maxVersion: ["SSLv3"],
};
