import { shellQuote } from "../shell/quote.ts";

/**
 * Multi-node clusters, as Runhouse's `restart_server` does them (cluster.py `_start_ray_workers`,
 * v0.0.30–v0.0.36): the server start on the head runs `ray start --head --port 6379`; then every
 * worker joins that Ray cluster. Pure: the driver decides how the command reaches each worker.
 */

/** Runhouse's DEFAULT_RAY_PORT: its own Ray, beside SkyPilot's runtime Ray (port 6380). */
export const RAY_HEAD_PORT = 6379;

/**
 * The join command for a worker, given the head's internal IP. A server restart restarts the head's
 * Ray (`pkill -f ".*ray.*6379.*"` there), so a worker may still run processes of the old one: only
 * those are ended first (their command lines name `<head ip>:6379`), never with `ray stop`, which
 * would also end SkyPilot's runtime Ray that its jobs need.
 */
export function workerJoinCommand(headIp: string): string {
  const address = `${headIp}:${RAY_HEAD_PORT}`;
  return [
    `pkill -f ${shellQuote(address.replace(/\./g, "\\."))} 2>/dev/null;`,
    `ray start --address=${shellQuote(address)} --disable-usage-stats`,
  ].join(" ");
}
