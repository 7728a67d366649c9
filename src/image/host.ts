/**
 * Registry hosts: is a server value a bare `host[:port]`, is it loopback (the only place plain HTTP is
 * allowed), and which registry family is it (ECR and GAR have an instance-role login mode, and each
 * family has its own advice when a password is rejected).
 */
import { DOMAIN_AND_PORT } from "./grammar.ts";

export type HostCheck =
  | { ok: true; host: string; port?: number }
  | { ok: false; message: string; hint: string };

const SERVER_EXAMPLE =
  "such as ghcr.io, nvcr.io, 763104351884.dkr.ecr.us-east-1.amazonaws.com or localhost:5000";

/** SkyPilot prefixes the image with `<server>/`, so the server must be a bare host (docs/skypilot.md, "Where credentials travel"). */
export function isBareHost(server: string): HostCheck {
  const fail = (message: string, hint: string): HostCheck => ({ ok: false, message, hint });
  if (server.trim() === "") {
    return fail("The registry server is empty.", `Set it to the registry's host name, ${SERVER_EXAMPLE}.`);
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(server);
  if (scheme) {
    const rest = server.slice(scheme[0].length).replace(/\/+$/, "");
    return fail(
      `The registry server "${server}" must be a bare host without "${scheme[0]}".`,
      `Write ${rest}; SkyPilot puts the server in front of the image name, so a scheme would end up in it.`,
    );
  }
  if (/\s/.test(server)) {
    return fail(
      `The registry server "${server}" contains whitespace.`,
      `Write the host alone, ${SERVER_EXAMPLE}.`,
    );
  }
  if (server.includes("@")) {
    return fail(
      `The registry server "${server}" must not contain a user name.`,
      "Put the user name in SKYPILOT_DOCKER_USERNAME (or docker.username) and keep the server a bare host.",
    );
  }
  const slash = server.indexOf("/");
  if (slash >= 0) {
    const hostPart = server.slice(0, slash);
    const pathPart = server.slice(slash + 1).replace(/\/+$/, "");
    return fail(
      `The registry server "${server}" must be a bare host without a path.`,
      pathPart === ""
        ? `Write ${hostPart}.`
        : `Write ${hostPart} as the server and put "${pathPart}/" at the start of image_id instead.`,
    );
  }
  if (!DOMAIN_AND_PORT.test(server)) {
    return fail(
      `The registry server "${server}" is not a valid host name.`,
      `Use a host name, ${SERVER_EXAMPLE}.`,
    );
  }
  const { host, port } = splitHostPort(server);
  if (port !== undefined && (port < 1 || port > 65535)) {
    return fail(
      `The registry server "${server}" has an invalid port ${port}.`,
      "A port is between 1 and 65535.",
    );
  }
  return port === undefined ? { ok: true, host } : { ok: true, host, port };
}

/** Splits `host:port`, `[v6]:port`, `host`; the port is undefined when absent. */
export function splitHostPort(hostPort: string): { host: string; port?: number } {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hostPort);
  if (!match) return { host: hostPort };
  const host = match[1] ?? hostPort;
  return match[2] === undefined ? { host } : { host, port: Number(match[2]) };
}

/** Loopback registries are the only ones spoken to over plain HTTP (as Docker treats them as insecure). */
export function isLoopbackHost(hostPort: string): boolean {
  const host = splitHostPort(hostPort).host.toLowerCase();
  if (host === "localhost" || host === "[::1]" || host === "::1") return true;
  const octets = host.split(".");
  return (
    octets.length === 4 && octets[0] === "127" && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)
  );
}

export type RegistryKind =
  | { kind: "ecr"; account: string; region: string }
  | { kind: "gar" }
  | { kind: "dockerhub" }
  | { kind: "ghcr" }
  | { kind: "other" };

/** The form SkyPilot recognises for ECR's instance-role login (`<acct>.dkr.ecr.<region>.amazonaws.com`). */
const ECR_HOST = /^(\d+)\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com$/;
const DOCKER_HUB_HOSTS = new Set([
  "docker.io",
  "index.docker.io",
  "registry-1.docker.io",
  "registry.hub.docker.com",
]);

export function registryKind(hostPort: string): RegistryKind {
  const host = splitHostPort(hostPort.trim()).host.toLowerCase();
  const ecr = ECR_HOST.exec(host);
  if (ecr?.[1] !== undefined && ecr[2] !== undefined) return { kind: "ecr", account: ecr[1], region: ecr[2] };
  // SkyPilot's GAR rule is exactly this suffix (`<location>-docker.pkg.dev`).
  if (host.endsWith("-docker.pkg.dev")) return { kind: "gar" };
  if (DOCKER_HUB_HOSTS.has(host)) return { kind: "dockerhub" };
  if (host === "ghcr.io") return { kind: "ghcr" };
  return { kind: "other" };
}

/** docker.io, index.docker.io and registry-1.docker.io name the same registry. */
export function sameRegistry(a: string, b: string): boolean {
  const norm = (h: string) => {
    const lower = h.trim().toLowerCase();
    return DOCKER_HUB_HOSTS.has(lower) ? "docker.io" : lower;
  };
  return norm(a) === norm(b);
}
