import { shellQuote } from "../shell/quote.ts";
import type { RunhouseSpec } from "./spec.ts";
import { pipRequirement, RESTART_OPTIONS, serverCommand } from "./versions.ts";

/**
 * What rhx runs inside the container on Runhouse's behalf (its cluster.py restart_server), spelled as
 * the configured version's CLI spells it (versions.ts). Pure: the drivers decide how a command
 * reaches the container (docker exec, sky exec).
 */

/** Skips pip when the wanted version is already there, as Runhouse HEAD does (`runhouse --version`). */
export function installCommand(version: string): string {
  const quoted = shellQuote(version);
  return [
    `if runhouse --version 2>/dev/null | grep -qx ${quoted}; then echo "runhouse ${version} is already installed";`,
    `else python3 -m pip install --quiet ${shellQuote(pipRequirement(version))}; fi`,
  ].join(" ");
}

/**
 * The server (re)start on the node with the configured port: `runhouse restart` up to 0.0.35,
 * `runhouse server restart` from 0.0.36 (restart, not start: `server start` exits 0 without doing
 * anything when a server already runs, and a re-apply must replace it).
 */
export function serverStartCommand(spec: Pick<RunhouseSpec, "server" | "runhouse">): string {
  if (spec.server.command) return spec.server.command;
  const flags: string[] = [RESTART_OPTIONS.restartRay, RESTART_OPTIONS.port, String(spec.server.port)];
  if (spec.server.den_auth) flags.push(RESTART_OPTIONS.denAuth);
  return `${serverCommand(spec.runhouse.version, "restart")} ${flags.join(" ")}`;
}
