import { describe, expect, it } from "vitest";
import {
  IMAGE_CODES,
  isBareHost,
  isLoopbackHost,
  registryKind,
  resolveImage,
  sameRegistry,
  stripDockerPrefix,
} from "../../src/image/reference.ts";
import { manifestUrl } from "../../src/registry/urls.ts";

const ECR = "763104351884.dkr.ecr.us-east-1.amazonaws.com";

describe("stripDockerPrefix", () => {
  it("returns the image of a docker: image id", () => {
    expect(stripDockerPrefix("docker:nvcr.io/nvidia/pytorch:23.10-py3")).toBe(
      "nvcr.io/nvidia/pytorch:23.10-py3",
    );
  });
  it("returns undefined for a VM image id", () => {
    expect(stripDockerPrefix("ami-0123456789abcdef0")).toBeUndefined();
  });
});

describe("resolveImage", () => {
  it("resolves the seed's ECR example to the right manifest URL", () => {
    const result = resolveImage("docker:pytorch-training:2.2.0-cpu-py310-ubuntu20.04-ec2", ECR);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.prefixed).toBe(true);
    expect(result.value.pulled).toBe(`${ECR}/pytorch-training:2.2.0-cpu-py310-ubuntu20.04-ec2`);
    expect(result.value.serverMismatch).toBeUndefined();
    expect(manifestUrl(result.value.reference)).toBe(
      "https://763104351884.dkr.ecr.us-east-1.amazonaws.com/v2/pytorch-training/manifests/2.2.0-cpu-py310-ubuntu20.04-ec2",
    );
  });

  it("leaves an image that already starts with the server alone", () => {
    const result = resolveImage("docker:nvcr.io/nvidia/pytorch:23.10-py3", "nvcr.io");
    expect(result.ok && result.value).toMatchObject({
      pulled: "nvcr.io/nvidia/pytorch:23.10-py3",
      prefixed: false,
    });
  });

  it("prefixes a Docker Hub image with docker.io the way SkyPilot does", () => {
    const result = resolveImage("docker:rayproject/ray:latest-py311-cpu", "docker.io");
    expect(result.ok && result.value.pulled).toBe("docker.io/rayproject/ray:latest-py311-cpu");
    expect(result.ok && manifestUrl(result.value.reference)).toBe(
      "https://registry-1.docker.io/v2/rayproject/ray/manifests/latest-py311-cpu",
    );
  });

  it("uses the image as written when there is no server", () => {
    const result = resolveImage("docker:rayproject/ray:latest-py311-cpu");
    expect(result.ok && result.value).toMatchObject({
      prefixed: false,
      pulled: "rayproject/ray:latest-py311-cpu",
    });
  });

  it("accepts an image without the docker: prefix", () => {
    const result = resolveImage("ghcr.io/org/app:1", "ghcr.io");
    expect(result.ok && result.value.pulled).toBe("ghcr.io/org/app:1");
  });

  it("flags an image that names another registry than the server", () => {
    const result = resolveImage("docker:ghcr.io/a/b:1", "docker.io");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.pulled).toBe("docker.io/ghcr.io/a/b:1");
    expect(result.value.serverMismatch).toMatchObject({ imageRegistry: "ghcr.io", server: "docker.io" });
    expect(result.value.serverMismatch?.message).toBe(
      "The image names the registry ghcr.io but the login server is docker.io, so SkyPilot would pull docker.io/ghcr.io/a/b:1.",
    );
  });

  it("fails with the mismatch when the prefixed name is not even valid", () => {
    const result = resolveImage("docker:localhost:5000/app:1", "ghcr.io");
    expect(result).toMatchObject({ ok: false, code: IMAGE_CODES.serverMismatch });
  });

  it("reports an invalid image with an offset into the image id", () => {
    const result = resolveImage("docker:org/MyApp:1", "ghcr.io");
    expect(result).toMatchObject({ ok: false, code: IMAGE_CODES.referenceInvalid, offset: 11 });
  });

  it("reports a server that is not a bare host", () => {
    const result = resolveImage("docker:app:1", "https://ghcr.io/org");
    expect(result).toMatchObject({ ok: false, code: IMAGE_CODES.serverInvalid });
  });
});

describe("isBareHost", () => {
  it.each([
    ["ghcr.io", "ghcr.io", undefined],
    ["localhost:5000", "localhost", 5000],
    ["[::1]:5000", "[::1]", 5000],
    [ECR, ECR, undefined],
  ])("accepts %s", (server, host, port) => {
    const result = isBareHost(server);
    expect(result).toEqual(port === undefined ? { ok: true, host } : { ok: true, host, port });
  });

  it.each([
    ["", /empty/, /host name/],
    ["https://ghcr.io", /without "https:\/\/"/, /^Write ghcr\.io;/],
    ["ghcr.io/org", /without a path/, /put "org\/" at the start of image_id/],
    ["ghcr.io/", /without a path/, /^Write ghcr\.io\.$/],
    ["user@ghcr.io", /user name/, /SKYPILOT_DOCKER_USERNAME/],
    ["ghcr io", /whitespace/, /host/],
    ["-bad-.io", /not a valid host name/, /host name/],
    ["host:70000", /invalid port 70000/, /65535/],
  ])("rejects %j with a helpful message", (server, message, hint) => {
    const result = isBareHost(server);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(message);
    expect(result.hint).toMatch(hint);
  });
});

describe("registryKind", () => {
  it.each([
    [ECR, { kind: "ecr", account: "763104351884", region: "us-east-1" }],
    [
      "123456789012.dkr.ecr.eu-west-3.amazonaws.com",
      { kind: "ecr", account: "123456789012", region: "eu-west-3" },
    ],
    ["us-central1-docker.pkg.dev", { kind: "gar" }],
    ["europe-docker.pkg.dev", { kind: "gar" }],
    ["docker.io", { kind: "dockerhub" }],
    ["registry-1.docker.io", { kind: "dockerhub" }],
    ["index.docker.io", { kind: "dockerhub" }],
    ["ghcr.io", { kind: "ghcr" }],
    ["nvcr.io", { kind: "other" }],
    ["localhost:5000", { kind: "other" }],
    ["dkr.ecr.us-east-1.amazonaws.com", { kind: "other" }],
  ])("%s is %j", (host, kind) => {
    expect(registryKind(host)).toEqual(kind);
  });
});

describe("hosts", () => {
  it.each([
    ["127.0.0.1:5000", true],
    ["127.3.2.1", true],
    ["localhost", true],
    ["[::1]:5000", true],
    ["10.0.0.1", false],
    ["127.0.0.1.example.com", false],
    ["ghcr.io", false],
  ])("isLoopbackHost(%s) is %s", (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });

  it("treats Docker Hub's names as one registry", () => {
    expect(sameRegistry("docker.io", "registry-1.docker.io")).toBe(true);
    expect(sameRegistry("GHCR.io", "ghcr.io")).toBe(true);
    expect(sameRegistry("ghcr.io", "docker.io")).toBe(false);
  });
});
