import type { LoadedCluster } from "./cluster.ts";
import type { Diagnostic } from "./diagnostic.ts";
import { locatePath, type SourceDocument } from "./source.ts";

/**
 * `provider: local` clusters share this machine, and each one's server binds `server.port` on the
 * host network (`--net=host`). Two of them with the same port cannot both run: the second server
 * fails minutes into its apply, after the pull, with a message about the port being taken. Across
 * the clusters of one run that is knowable up front. Cloud clusters each get their own machine.
 */
export class HostPorts {
  readonly #claims = new Map<number, { name: string; at: string }>();

  /** Records `cluster`'s port; a diagnostic when another local cluster of this run has it already. */
  claim(cluster: LoadedCluster, source: SourceDocument, portKnown: boolean): Diagnostic | undefined {
    if (cluster.spec.provider !== "local" || !portKnown) return undefined;
    const port = cluster.spec.server.port;
    const written = source.doc.getIn(["server", "port"], true) !== undefined;
    const located = locatePath(source, written ? ["server", "port"] : ["provider"]);
    const first = this.#claims.get(port);
    if (!first) {
      const { file, line, column } = located.location;
      this.#claims.set(port, { name: cluster.spec.name, at: `${file}:${line}:${column}` });
      return undefined;
    }
    return {
      code: "RHX_PORT_CONFLICT",
      severity: "error",
      message: `Clusters "${first.name}" (${first.at}) and "${cluster.spec.name}" both run on this machine with server.port ${port}${written ? "" : " (the default)"}; only one server can listen on it.`,
      hint: `Give "${cluster.spec.name}" another \`server.port\`, e.g. \`server: {port: ${port + 1}}\`.`,
      ...located,
    };
  }
}
