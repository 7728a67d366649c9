/**
 * The parts of a cluster's settings that Runhouse commands and checks read. config/'s ClusterSpec is
 * built from these shapes, so runhouse/ needs nothing from config/, which depends on it for the
 * version rules.
 */
export interface RunhouseSpec {
  name: string;
  runhouse: { version: string; install: boolean };
  server: {
    port: number;
    den_auth: boolean;
    command?: string | undefined;
    health_path: string;
    health_timeout_secs: number;
  };
}
