import { describe, expect, it } from "vitest";
import { PROVIDERS } from "../../../src/config/schema.ts";
import {
  cloudRepr,
  disabledReason,
  installCommand,
  installHint,
  isCloudProvider,
  SKY_CLOUD_REPR,
} from "../../../src/drivers/skypilot/clouds.ts";

describe("provider names", () => {
  it("has SkyPilot's repr for every cloud provider in the schema", () => {
    const clouds = PROVIDERS.filter(isCloudProvider);
    const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    expect(Object.keys(SKY_CLOUD_REPR).sort(byCodeUnit)).toEqual([...clouds].sort(byCodeUnit));
    expect(cloudRepr("aws")).toBe("AWS");
    expect(cloudRepr("kubernetes")).toBe("Kubernetes");
    expect(cloudRepr("vsphere")).toBe("vSphere");
    expect(cloudRepr("do")).toBe("DO");
    expect(cloudRepr("ssh")).toBe("ssh");
    expect(cloudRepr("toString")).toBe("toString");
  });

  it("installs SkyPilot with the provider's extra", () => {
    expect(installCommand("aws")).toBe('pip install "skypilot[aws]"');
    expect(installCommand("kubernetes")).toBe('pip install "skypilot[kubernetes]"');
    expect(installCommand("cheapest")).toBe('pip install "skypilot[aws,gcp]"');
    expect(installHint("gcp")).toContain('with the GCP extra: pip install "skypilot[gcp]"');
  });
});

describe("disabledReason", () => {
  it("reads the ≥0.10 text with capabilities in the label", () => {
    const out = [
      "Checking credentials to enable infra for SkyPilot.",
      "  AWS: enabled [compute, storage]",
      "  Azure: disabled",
      "    Reason [compute, storage]: Azure credentials are not set. Run the following commands:",
      "      $ az login",
      "      $ az account set -s <subscription_id>",
      "    For more info: https://docs.skypilot.co/en/latest/getting-started/installation.html#azure",
      "  GCP: enabled [compute, storage]",
      "",
      "🎉 Enabled infra 🎉",
    ].join("\n");
    expect(disabledReason(out, "azure")).toBe(
      [
        "Azure credentials are not set. Run the following commands:",
        "  $ az login",
        "  $ az account set -s <subscription_id>",
        "For more info: https://docs.skypilot.co/en/latest/getting-started/installation.html#azure",
      ].join("\n"),
    );
    expect(disabledReason(out, "aws")).toBeUndefined();
    expect(disabledReason(out, "lambda")).toBeUndefined();
  });

  it("reads the older text, ANSI escapes included", () => {
    const out = [
      "Checking credentials to enable clouds for SkyPilot.",
      "  \x1b[1mKubernetes\x1b[0m: \x1b[31mdisabled\x1b[0m",
      "    Reason: No Kubernetes contexts found. Check if your kubeconfig file exists at ~/.kube/config.",
      "  Lambda: disabled",
    ].join("\n");
    expect(disabledReason(out, "kubernetes")).toBe(
      "No Kubernetes contexts found. Check if your kubeconfig file exists at ~/.kube/config.",
    );
    // Listed as disabled, but without a reason.
    expect(disabledReason(out, "lambda")).toBeUndefined();
  });
});
