/** Human-readable text for quiche's close codes and for errors. */

/** TLS alerts a handshake typically fails with (QUIC carries them as 0x100 + alert). */
const tlsAlerts: Record<number, string> = {
  40: "handshake_failure",
  42: "bad_certificate",
  45: "certificate_expired",
  46: "certificate_unknown",
  48: "unknown_ca",
  80: "internal_error",
  112: "unrecognized_name",
  116: "certificate_required",
  120: "no_application_protocol (ALPN mismatch)",
};

/** Describes a CONNECTION_CLOSE: application code, TLS alert or transport code, and the reason text. */
export function closeReason(
  data: { isApp: boolean; errorCode: number; reason?: Uint8Array } | undefined,
): string {
  if (!data) return "no error code";
  const { isApp, errorCode, reason } = data;
  const text = reason && reason.byteLength > 0 ? `: ${Buffer.from(reason).toString("utf8")}` : "";
  if (isApp) return `application code ${errorCode}${text}`;
  if (errorCode >= 0x100 && errorCode <= 0x1ff) {
    const alert = errorCode - 0x100;
    return `TLS alert ${alert} ${tlsAlerts[alert] ?? ""}`.trimEnd() + text;
  }
  return `transport code ${errorCode}${text}`;
}

/** An error's message, or the thrown value as text. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
