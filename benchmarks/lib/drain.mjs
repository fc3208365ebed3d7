/** Resolves when a net.Socket's buffer has drained below its high-water mark, or the socket closed. */
export function drainedOrClosed(socket) {
  return new Promise((resolve) => {
    const done = () => {
      socket.off("drain", done);
      socket.off("close", done);
      resolve();
    };
    socket.on("drain", done);
    socket.on("close", done);
  });
}
