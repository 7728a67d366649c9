// The registry check's decisions that need no registry: the server-prefix guard and the empty-password
// instance-role mode per provider. The registry conversations themselves are in test/e2e/check-registry.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Provider } from "../../src/config/schema.ts";
import { checkRegistry } from "../../src/preflight/checks/registry.ts";
import { clusterOf, registryOptions } from "./support.ts";

const ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com";
const GAR = "us-central1-docker.pkg.dev";

// None of these cases may talk to a registry: a request would mean a password left this process.
const fetchSpy = vi.fn(() => Promise.reject(new Error("no network in this test")));
afterEach(() => {
  vi.unstubAllGlobals();
});
const noNetwork = () => vi.stubGlobal("fetch", fetchSpy);

describe("server mismatch", () => {
  it("fails before any request when the image names another registry than the login", async () => {
    noNetwork();
    const cluster = clusterOf(
      { provider: "aws", image_id: "docker:ghcr.io/org/app:1" },
      {
        username: "bot",
        password: "pf-Mismatch-7d1e-password",
        server: "127.0.0.1:5000",
      },
    );
    expect(await checkRegistry(cluster, registryOptions())).toEqual({
      id: "registry",
      title: "registry login and image",
      status: "fail",
      code: "RHX_IMAGE_SERVER_MISMATCH",
      message:
        "The image names the registry ghcr.io but the login server is 127.0.0.1:5000, so SkyPilot would pull 127.0.0.1:5000/ghcr.io/org/app:1.",
      hint: 'Set the server (SKYPILOT_DOCKER_SERVER or docker.server) to ghcr.io, or remove "ghcr.io/" from image_id.',
    });
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});

describe("empty password (instance-role login on the cluster)", () => {
  const check = (provider: Provider, server: string) => {
    noNetwork();
    return checkRegistry(
      clusterOf(
        { provider, image_id: `docker:${server}/team/app:1` },
        { username: "AWS", password: "", server },
      ),
      registryOptions(),
    );
  };

  it.each([
    ["aws", ECR],
    ["gcp", GAR],
  ] as const)("%s with its own registry: a warning, not a failure", async (provider, server) => {
    const result = await check(provider, server);
    expect(result).toMatchObject({ status: "warn", code: "RHX_REGISTRY_INSTANCE_ROLE" });
    expect(result.message).toContain(`will log in to ${server} with its instance role`);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("cheapest: a warning that names the cloud it depends on", async () => {
    expect(await check("cheapest", ECR)).toMatchObject({
      status: "warn",
      code: "RHX_REGISTRY_INSTANCE_ROLE",
      hint: expect.stringContaining("only if the cheapest offer is on AWS: set `provider: aws`"),
    });
  });

  it.each([
    ["gcp", ECR, "AWS"],
    ["azure", ECR, "AWS"],
    ["kubernetes", GAR, "GCP"],
    ["local", ECR, "AWS"],
  ] as const)("%s with %s: fails, no instance role there", async (provider, server, cloud) => {
    expect(await check(provider, server)).toMatchObject({
      status: "fail",
      code: "RHX_REGISTRY_EMPTY_PASSWORD",
      message: `The registry password is empty; instance-role login works only on a ${cloud} cluster, and this one is \`provider: ${provider}\`.`,
    });
  });

  it("a registry without an instance-role mode: fails", async () => {
    expect(await check("aws", "ghcr.io")).toMatchObject({
      status: "fail",
      code: "RHX_REGISTRY_EMPTY_PASSWORD",
      message: "The registry password is empty.",
    });
  });
});
