/**
 * What a {@link WsConnection} needs from an open WebSocket, and nothing more. In Node it is the `ws`
 * library's socket (node-socket.ts); a browser build supplies one over the platform's `WebSocket`
 * (polling `bufferedAmount` for the drain, queueing messages for `pause`). The connection logic itself
 * uses no Node API.
 */
export interface MessageSocket {
  /**
   * Sends one message: binary for a Uint8Array, text for a string. Returns false when the bytes
   * queued for sending are above the socket's high-water mark; `onDrain` follows once they fall to
   * it or below. Sends are queued in order either way.
   */
  send(data: Uint8Array | string): boolean;
  /** Stops reading from the network. A few messages already read may still arrive. */
  pause(): void;
  /** Reads from the network again after `pause`. */
  resume(): void;
  /** Starts the closing handshake with a close code (1000: normal). */
  close(code: number, reason?: string): void;
  /** Closes the underlying connection at once, without a closing handshake. */
  terminate(): void;
  /** Installs the receiver of the socket's events; called once, right after the socket opens. */
  listen(events: MessageSocketEvents): void;
}

/** What a {@link MessageSocket} reports to its one listener, the connection. */
export interface MessageSocketEvents {
  /** A binary message arrived (a view; valid until the next message unless copied). */
  onBinary(data: Uint8Array): void;
  /** A text message arrived. */
  onText(text: string): void;
  /** The bytes queued for sending fell to the high-water mark or below after `send` returned false. */
  onDrain(): void;
  /**
   * The socket closed, once. `code` is the close code received (1005: none, 1006: the connection
   * ended without a closing handshake); `error` is set when this end failed the connection itself
   * (a message above its size limit, a protocol violation, a network error).
   */
  onClose(code: number, reason: string, error: Error | undefined): void;
}
