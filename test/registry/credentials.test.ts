import { describe, expect, it } from "vitest";
import { checkCredentialsPresence, describeInstanceRoleMode } from "../../src/registry/credentials.ts";

const ECR = "763104351884.dkr.ecr.us-east-1.amazonaws.com";
const SECRET = "Pw-rhx-5eed-credentials-DO-NOT-LEAK";

describe("checkCredentialsPresence", () => {
  it("is none when no variable is set", () => {
    expect(checkCredentialsPresence({ HOME: "/home/x" })).toEqual({ state: "none" });
  });

  it("is complete with all three", () => {
    expect(
      checkCredentialsPresence({
        SKYPILOT_DOCKER_USERNAME: "alice",
        SKYPILOT_DOCKER_PASSWORD: SECRET,
        SKYPILOT_DOCKER_SERVER: "ghcr.io",
      }),
    ).toEqual({ state: "complete", credentials: { username: "alice", password: SECRET, server: "ghcr.io" } });
  });

  it("names the missing variables", () => {
    const result = checkCredentialsPresence({ SKYPILOT_DOCKER_PASSWORD: SECRET });
    expect(result).toMatchObject({
      state: "incomplete",
      missing: ["SKYPILOT_DOCKER_USERNAME", "SKYPILOT_DOCKER_SERVER"],
    });
    expect(result.state === "incomplete" && result.message).toBe(
      "SKYPILOT_DOCKER_USERNAME and SKYPILOT_DOCKER_SERVER are not set, but SKYPILOT_DOCKER_PASSWORD is: SkyPilot needs the docker login variables together.",
    );
    expect(JSON.stringify(result)).not.toContain(SECRET);
  });

  it("names a single missing variable", () => {
    const result = checkCredentialsPresence({
      SKYPILOT_DOCKER_USERNAME: "alice",
      SKYPILOT_DOCKER_SERVER: "ghcr.io",
    });
    expect(result.state === "incomplete" && result.message).toMatch(
      /^SKYPILOT_DOCKER_PASSWORD is not set, but /,
    );
  });

  it("recognises the ECR instance-role mode (empty password)", () => {
    const result = checkCredentialsPresence({
      SKYPILOT_DOCKER_USERNAME: "AWS",
      SKYPILOT_DOCKER_PASSWORD: "",
      SKYPILOT_DOCKER_SERVER: ECR,
    });
    expect(result).toMatchObject({
      state: "instance-role",
      server: ECR,
      mode: { kind: "ecr", region: "us-east-1" },
    });
    expect(result.state === "instance-role" && result.mode.message).toMatch(
      /will log in to .* with its instance role/,
    );
  });

  it("recognises the GAR instance-role mode", () => {
    const result = checkCredentialsPresence({
      SKYPILOT_DOCKER_USERNAME: "",
      SKYPILOT_DOCKER_PASSWORD: "",
      SKYPILOT_DOCKER_SERVER: "us-central1-docker.pkg.dev",
    });
    expect(result).toMatchObject({ state: "instance-role", mode: { kind: "gar" } });
  });

  it("refuses an empty password for other registries", () => {
    const result = checkCredentialsPresence({
      SKYPILOT_DOCKER_USERNAME: "alice",
      SKYPILOT_DOCKER_PASSWORD: "",
      SKYPILOT_DOCKER_SERVER: "ghcr.io",
    });
    expect(result).toMatchObject({ state: "incomplete", empty: ["SKYPILOT_DOCKER_PASSWORD"] });
  });

  it("refuses an empty server or user name", () => {
    const base = {
      SKYPILOT_DOCKER_USERNAME: "alice",
      SKYPILOT_DOCKER_PASSWORD: SECRET,
      SKYPILOT_DOCKER_SERVER: "ghcr.io",
    };
    expect(checkCredentialsPresence({ ...base, SKYPILOT_DOCKER_SERVER: " " })).toMatchObject({
      empty: ["SKYPILOT_DOCKER_SERVER"],
    });
    expect(checkCredentialsPresence({ ...base, SKYPILOT_DOCKER_USERNAME: "" })).toMatchObject({
      empty: ["SKYPILOT_DOCKER_USERNAME"],
    });
  });
});

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
