/**
 * Pre-flight: is the server's port free on loopback? The Runhouse server binds it inside a --net=host
 * container, so a port taken on this machine makes the server start (`runhouse server restart`) fail minutes later, after the pull.
 */
import { createServer } from "node:net";

export type PortCheck =
  | { free: true; port: number; host: string }
  | { free: false; port: number; host: string; code: string; message: string };

export function isPortFree(port: number, host = "127.0.0.1"): Promise<PortCheck> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", (error: NodeJS.ErrnoException) => {
      const code = error.code ?? "UNKNOWN";
      const message =
        code === "EADDRINUSE"
          ? `${host}:${port} is already in use by another process.`
          : code === "EACCES"
            ? `${host}:${port} may not be bound by this user (a port below 1024 needs privileges).`
            : `${host}:${port} cannot be bound: ${error.message}`;
      resolve({ free: false, port, host, code, message });
    });
    // exclusive: a listener in a cluster worker must not share the port and report it free.
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve({ free: true, port, host }));
    });
  });
}
