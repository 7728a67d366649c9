import { describe, expect, it } from "vitest";
import { describeInstanceRoleMode } from "../../src/registry/credentials.ts";

const ECR = "763104351884.dkr.ecr.us-east-1.amazonaws.com";

describe("describeInstanceRoleMode", () => {
  it("is undefined for registries without one", () => {
    expect(describeInstanceRoleMode("ghcr.io")).toBeUndefined();
    expect(describeInstanceRoleMode("docker.io")).toBeUndefined();
  });

  it("explains the ECR mode", () => {
    expect(describeInstanceRoleMode(ECR)?.message).toBe(
      `The password is empty, so the cluster will log in to ${ECR} with its instance role (aws ecr get-login-password --region us-east-1).`,
    );
  });
});
