/**
 * Constants the cluster schema is built from and the loader fills defaults with. Kept apart from
 * schema.ts so that loading a file does not import TypeBox (see scripts/gen-validator.ts).
 */

/** SkyPilot's cloud names (sky.clouds.CLOUD_REGISTRY) plus Runhouse's `cheapest` and rhx's `local`. */
export const PROVIDERS = [
  "local",
  "cheapest",
  "aws",
  "gcp",
  "azure",
  "lambda",
  "kubernetes",
  "runpod",
  "oci",
  "ibm",
  "scp",
  "paperspace",
  "fluidstack",
  "cudo",
  "do",
  "nebius",
  "vast",
  "vsphere",
  "hyperbolic",
] as const;
export type Provider = (typeof PROVIDERS)[number];

export const DEFAULTS = {
  num_nodes: 1,
  use_spot: false,
  autostop_mins: 60,
  runhouseVersion: "0.0.36",
  serverPort: 32300,
  healthPath: "/check",
  healthTimeoutSecs: 120,
  platform: "linux/amd64",
} as const;
