/**
 * How the local driver marks what it owns (README, "Security"): a fixed name so `docker ps` reads like
 * SkyPilot's `sky_container`, and labels so ownership is proven by the engine, never guessed from a name.
 */
export const CONTAINER_PREFIX = "rhx-";
export const CLUSTER_LABEL = "rhx.cluster";
export const MANAGED_BY_LABEL = "rhx.managed-by";
export const MANAGED_BY_VALUE = "rhx";

export function containerName(cluster: string): string {
  return `${CONTAINER_PREFIX}${cluster}`;
}

/** The container keeps running whatever the image's ENTRYPOINT/CMD would do, and stops at once on TERM. */
export const KEEP_ALIVE_SCRIPT = "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done";
