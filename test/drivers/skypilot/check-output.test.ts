import { describe, expect, it } from "vitest";
import {
  canonicalCloudName,
  parseCheckJson,
  parseCheckText,
} from "../../../src/drivers/skypilot/check-output.ts";
import { SkyOutputError } from "../../../src/drivers/skypilot/status-output.ts";

// ≥0.12 `sky check -o json` (PR #8784's preview).
const JSON_OUT = `{
  "default": {
    "AWS": [
      "compute",
      "storage"
    ],
    "Azure": [
      "compute",
      "storage"
    ],
    "Kubernetes": [
      "compute"
    ],
    "Paperspace": [
      "compute"
    ],
    "RunPod": [
      "compute"
    ]
  }
}
`;

// ≥0.10 text (docs/skypilot.md, sky/check.py `_print_checked_cloud` / `_summary_message`).
const NEW_TEXT = `Checking credentials to enable infra for SkyPilot.
  AWS: enabled [compute, storage]
  Azure: disabled
    Reason [compute, storage]: Azure CLI returned error. Run az login.
  Cloudflare (for R2 object store): enabled [storage]
  Kubernetes: enabled [compute]
    Allowed contexts:
    └── kind-skypilot: enabled.

🎉 Enabled infra 🎉
  AWS [compute, storage]
  Cloudflare (for R2 object store) [storage]
  Kubernetes [compute]
    Allowed contexts:
    └── kind-skypilot

To enable a cloud, follow the hints above and rerun: sky check
If any problems remain, refer to detailed docs at: https://docs.skypilot.co/en/latest/getting-started/installation.html

Using SkyPilot API server: http://127.0.0.1:46580
`;

// Pre-0.10 text: "enable clouds", summary with check marks.
const OLD_TEXT = `Checking credentials to enable clouds for SkyPilot.
  AWS: enabled
  Azure: disabled
    Reason: Azure CLI returned error.
  GCP: enabled
  Lambda: disabled
    Reason: Failed to access Lambda Cloud with credentials.

To enable a cloud, follow the hints above and rerun: sky check
If any problems remain, refer to detailed docs at: https://docs.skypilot.co/en/latest/getting-started/installation.html

🎉 Enabled clouds 🎉
  ✔ AWS
  ✔ GCP
`;

describe("canonicalCloudName", () => {
  it("lowercases SkyPilot's cloud reprs", () => {
    expect(
      ["AWS", "GCP", "Kubernetes", "RunPod", "vSphere", "Cloudflare (for R2 object store)"].map(
        canonicalCloudName,
      ),
    ).toEqual(["aws", "gcp", "kubernetes", "runpod", "vsphere", "cloudflare"]);
  });
});

describe("parseCheckJson", () => {
  it("lists the enabled clouds of every workspace", () => {
    expect(parseCheckJson(JSON_OUT)).toEqual(["aws", "azure", "kubernetes", "paperspace", "runpod"]);
  });

  it("filters by workspace and capability", () => {
    const out = JSON.stringify(
      {
        default: { AWS: ["compute"], "Cloudflare (for R2 object store)": ["storage"] },
        team: { GCP: ["compute"] },
      },
      null,
      2,
    );
    expect(parseCheckJson(out, { workspace: "team" })).toEqual(["gcp"]);
    expect(parseCheckJson(out, { capability: "compute" })).toEqual(["aws", "gcp"]);
    expect(parseCheckJson(out, { capability: "storage" })).toEqual(["cloudflare"]);
  });

  it("tolerates prose before the object and returns [] when nothing is enabled", () => {
    expect(parseCheckJson('✓ SkyPilot API server started.\n{\n  "default": {}\n}\n')).toEqual([]);
  });

  it("throws when there is no JSON object", () => {
    expect(() => parseCheckJson(NEW_TEXT)).toThrow(SkyOutputError);
  });
});

describe("parseCheckText", () => {
  it("reads the ≥0.10 'Enabled infra' summary, skipping context details", () => {
    expect(parseCheckText(NEW_TEXT)).toEqual(["aws", "cloudflare", "kubernetes"]);
    expect(parseCheckText(NEW_TEXT, { capability: "compute" })).toEqual(["aws", "kubernetes"]);
  });

  it("reads the pre-0.10 'Enabled clouds' summary with check marks", () => {
    expect(parseCheckText(OLD_TEXT)).toEqual(["aws", "gcp"]);
    expect(parseCheckText(OLD_TEXT, { capability: "compute" })).toEqual(["aws", "gcp"]);
  });

  it("reads per-workspace summaries", () => {
    const text = [
      "Checking credentials to enable infra for SkyPilot (Workspaces: default, team).",
      "",
      "Checking enabled infra for workspace: 'default'",
      "",
      "🎉 Enabled infra for workspace: 'default' 🎉",
      "  AWS [compute, storage]",
      "",
      "Checking enabled infra for workspace: 'team'",
      "",
      "🎉 Enabled infra for workspace: 'team' 🎉",
      "  GCP [compute, storage]",
    ].join("\n");
    expect(parseCheckText(text)).toEqual(["aws", "gcp"]);
    expect(parseCheckText(text, { workspace: "team" })).toEqual(["gcp"]);
  });

  it("returns [] when nothing is enabled, in both eras", () => {
    expect(
      parseCheckText(
        "Checking credentials to enable infra for SkyPilot.\n\n🎉 Enabled infra 🎉\n  No infra to check/enabled.\n",
      ),
    ).toEqual([]);
    expect(
      parseCheckText(
        "Checking credentials to enable clouds for SkyPilot.\n  AWS: disabled\n\nNo cloud is enabled. SkyPilot will not be able to run any task. Run `sky check` for more info.\n",
      ),
    ).toEqual([]);
  });

  it("falls back to the per-cloud lines without a summary and strips ANSI", () => {
    const text =
      "Checking credentials to enable infra for SkyPilot.\n\x1b[32m  AWS: enabled [compute, storage]\x1b[0m\n  GCP: disabled\n";
    expect(parseCheckText(text)).toEqual(["aws"]);
  });

  it("throws on unrelated output", () => {
    expect(() => parseCheckText("Usage: sky [OPTIONS] COMMAND [ARGS]...\n")).toThrow(SkyOutputError);
  });
});
