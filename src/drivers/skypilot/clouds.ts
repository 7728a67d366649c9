/**
 * What the SkyPilot checks need to know about each provider, and the one piece of `sky check` text the
 * shared parsers do not read: why a cloud is disabled. Pure.
 */
import type { Provider } from "../../config/schema.ts";
import { canonicalCloudName } from "./check-output.ts";
import { stripAnsi } from "./status-output.ts";

export type CloudProvider = Exclude<Provider, "local" | "cheapest">;

/** SkyPilot's repr of each cloud (`str(sky.clouds.AWS())`): what `sky check` prints. */
export const SKY_CLOUD_REPR: Readonly<Record<CloudProvider, string>> = {
  aws: "AWS",
  gcp: "GCP",
  azure: "Azure",
  lambda: "Lambda",
  kubernetes: "Kubernetes",
  runpod: "RunPod",
  oci: "OCI",
  ibm: "IBM",
  scp: "SCP",
  paperspace: "Paperspace",
  fluidstack: "Fluidstack",
  cudo: "Cudo",
  do: "DO",
  nebius: "Nebius",
  vast: "Vast",
  vsphere: "vSphere",
  hyperbolic: "Hyperbolic",
};

/** The quickest way to give SkyPilot credentials for a cloud; the docs page covers the rest. */
const SETUP_TIPS: Partial<Record<CloudProvider, string>> = {
  aws: "`aws configure` (or AWS_PROFILE / AWS_ACCESS_KEY_ID in the environment)",
  gcp: "`gcloud init` and `gcloud auth application-default login`",
  azure: "`az login` and `az account set -s <subscription>`",
  kubernetes: "a kubeconfig at ~/.kube/config (or KUBECONFIG) whose context can reach the cluster",
  lambda: "an API key in ~/.lambda_cloud/lambda_keys",
  runpod: "`runpod config` with an API key",
};

export const SKY_INSTALL_DOCS = "https://docs.skypilot.co/en/latest/getting-started/installation.html";

export function isCloudProvider(provider: Provider): provider is CloudProvider {
  return provider !== "local" && provider !== "cheapest";
}

/** `aws` → `AWS`; a name rhx does not know (SkyPilot may list more clouds) stays as it is. */
export function cloudRepr(provider: string): string {
  return Object.hasOwn(SKY_CLOUD_REPR, provider) ? SKY_CLOUD_REPR[provider as CloudProvider] : provider;
}

/** `pip install "skypilot[aws]"`; for `cheapest` the extras of the clouds one means to use. */
export function installCommand(provider: Provider): string {
  const extra = isCloudProvider(provider) ? provider : "aws,gcp";
  return `pip install "skypilot[${extra}]"`;
}

export function installHint(provider: Provider): string {
  const which = isCloudProvider(provider)
    ? `with the ${cloudRepr(provider)} extra`
    : "with the extras of the clouds you use (or skypilot[all])";
  return `Install SkyPilot ${which}: ${installCommand(provider)} (in a virtualenv, or with pipx), so that \`sky\` is on PATH; see ${SKY_INSTALL_DOCS}`;
}

export function setupHint(provider: CloudProvider): string {
  const tip = SETUP_TIPS[provider];
  const how = tip
    ? `Give SkyPilot ${cloudRepr(provider)} credentials with ${tip}`
    : `Set up ${cloudRepr(provider)} credentials`;
  return `${how}, then run \`sky check ${provider}\` until it says enabled; see ${SKY_INSTALL_DOCS}`;
}

const CLOUD_LINE = /^( *)(?:[✔✖✗x]\s+)?(\S[^:]*): (enabled|disabled)\b/;
const REASON_PREFIX = /^Reason(?:\s*\[[^\]]*\])?:\s*/;

/**
 * The reason `sky check` gives for a disabled cloud: the lines indented under `  Azure: disabled`,
 * without the `Reason:` / `Reason [compute, storage]:` label (both eras). Undefined when the cloud is
 * not listed as disabled.
 */
export function disabledReason(stdout: string, provider: string): string | undefined {
  const lines = stripAnsi(stdout).split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const m = CLOUD_LINE.exec(lines[i] ?? "");
    if (m?.[3] !== "disabled" || canonicalCloudName(m[2] ?? "") !== provider) continue;
    const indent = (m[1] ?? "").length;
    const block: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j] ?? "";
      if (line.trim() === "" || line.length - line.trimStart().length <= indent) break;
      block.push(line);
    }
    const common = Math.min(...block.map((l) => l.length - l.trimStart().length));
    const text = block
      .map((l) => l.slice(common).trimEnd())
      .join("\n")
      .replace(REASON_PREFIX, "")
      .trim();
    return text === "" ? undefined : text;
  }
  return undefined;
}
