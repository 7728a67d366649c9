import type { ClusterSpec } from "../config/cluster.ts";

/**
 * What rhx runs inside the container on Runhouse's behalf (contracts/runhouse.md §2c). Pure: the
 * drivers decide how a command reaches the container (docker exec, sky exec).
 */

/** Skips pip when the wanted version is already there, as Runhouse HEAD does (`runhouse --version`). */
export function installCommand(version: string): string {
  const quoted = shellQuote(version);
  return [
    `if runhouse --version 2>/dev/null | grep -qx ${quoted}; then echo "runhouse ${version} is already installed";`,
    `else python3 -m pip install --quiet ${shellQuote(`runhouse[server]==${version}`)}; fi`,
  ].join(" ");
}

/** The docker-guide era's start: `runhouse restart` on the node, with the configured port. */
export function serverStartCommand(spec: Pick<ClusterSpec, "server">): string {
  if (spec.server.command) return spec.server.command;
  const flags = ["--restart-ray", "--port", String(spec.server.port)];
  if (spec.server.den_auth) flags.push("--use-den-auth");
  return `runhouse restart ${flags.join(" ")}`;
}

export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
