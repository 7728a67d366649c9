import { engineReachable } from "../../drivers/local/engine.ts";
import { isPortFree } from "../../drivers/local/port.ts";
import type { Check } from "../types.ts";

const engine: Check = async (_cluster, options) => {
  const result = await engineReachable({ signal: options.signal });
  return result.ok
    ? {
        id: "engine",
        title: "Docker engine",
        status: "pass",
        message: `docker ${result.clientVersion}, engine ${result.serverVersion}`,
      }
    : {
        id: "engine",
        title: "Docker engine",
        status: "fail",
        code: result.code,
        message: result.message,
        hint: result.hint,
      };
};

const port: Check = async (cluster, options) => {
  const wanted = cluster.spec.server.port;
  // The cluster's own server holds its port on a re-apply; that is not a conflict.
  if (options.clusterRunning)
    return {
      id: "port",
      title: `port ${wanted}`,
      status: "pass",
      message: "held by this cluster's container",
    };
  const result = await isPortFree(wanted);
  return result.free
    ? { id: "port", title: `port ${wanted}`, status: "pass", message: `127.0.0.1:${wanted} is free` }
    : {
        id: "port",
        title: `port ${wanted}`,
        status: "fail",
        code: "RHX_PORT_BUSY",
        message: result.message,
        hint: "The container shares this machine's network; stop what holds the port or set `server.port`.",
      };
};

export const localChecks: readonly Check[] = [engine, port];
