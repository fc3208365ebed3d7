/**
 * An error the toxiproxy-compatible API answers with: the body is `{"error": message, "status": N}`
 * and the HTTP status is N. The messages of toxiproxy's own errors are kept word for word, since
 * clients and scripts match on them.
 */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }

  /** This error with `detail` appended (toxiproxy's "bad request body: <why>"). */
  with(detail: string): ApiError {
    return new ApiError(`${this.message}: ${detail}`, this.status);
  }

  toJSON() {
    return { error: this.message, status: this.status };
  }
}

export const apiErrors = {
  badRequestBody: new ApiError("bad request body", 400),
  missingField: new ApiError("missing required field", 400),
  proxyNotFound: new ApiError("proxy not found", 404),
  proxyAlreadyExists: new ApiError("proxy already exists", 409),
  invalidStream: new ApiError("stream was invalid, can be either upstream or downstream", 400),
  invalidToxicType: new ApiError("invalid toxic type", 400),
  toxicAlreadyExists: new ApiError("toxic already exists", 409),
  toxicNotFound: new ApiError("toxic not found", 404),
  notFound: new ApiError("not found", 404),
  methodNotAllowed: new ApiError("method not allowed", 405),
  browserRefused: new ApiError("User agent not allowed", 403),
} as const;
