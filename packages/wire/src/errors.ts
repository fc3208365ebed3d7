import { ErrorCode, MsgError } from "@msg/core";

/**
 * The wire errors, with the texts of the reference implementation (see test/vectors/malformed.json):
 * switch on `code`, the message is for people.
 */

export function wireIdError(wireId: number): MsgError {
  return new MsgError(ErrorCode.WireId, `Invalid wire ID: ${wireId}`);
}

/** `what` names the length field: "reqrep frame", "pubsub frame", "auth token". */
export function frameTooLargeError(what: string, declared: number, limit: number): MsgError {
  return new MsgError(
    ErrorCode.FrameTooLarge,
    `${what} declares ${declared} bytes, above the ${limit}-byte limit`,
  );
}

export function eofMidFrameError(buffered: number): MsgError {
  return new MsgError(
    ErrorCode.EofMidFrame,
    `bytes remaining on stream: ${buffered} bytes of an incomplete frame`,
  );
}

export function invalidArgument(message: string): MsgError {
  return new MsgError(ErrorCode.InvalidArgument, message);
}

/** Checks that `value` is an integer in [min, max]; `name` appears in the error. */
export function checkInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidArgument(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

/** Checks that a header fits in `target` at `offset`, so that no write is silently dropped. */
export function checkRoom(target: Uint8Array, offset: number, length: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset + length > target.length) {
    throw invalidArgument(
      `a ${length}-byte header does not fit at offset ${offset} of a ${target.length}-byte buffer`,
    );
  }
}
