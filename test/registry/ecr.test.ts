/**
 * The seed's ECR example, emulated with an injected fetch (ECR is HTTPS and answers Basic challenges):
 * the manifest URL asked for, and the advice when the 12-hour password has expired.
 */
import { describe, expect, it } from "vitest";
import { resolveImage } from "../../src/image/reference.ts";
import { checkImage } from "../../src/registry/client.ts";
import { RHX_REGISTRY_AUTH_REJECTED } from "../../src/registry/errors.ts";
import { Redactor } from "../../src/secrets/redactor.ts";
import { leaks, secretForms } from "./helpers/secrets.ts";

const ECR = "763104351884.dkr.ecr.us-east-1.amazonaws.com";
const PASSWORD = "eyJwYXlsb2FkIjoiZXhwaXJlZC1FQ1ItdG9rZW4tRE8tTk9ULUxFQUsifQ";
const CONFIG = JSON.stringify({ os: "linux", architecture: "amd64" });
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: "application/vnd.docker.distribution.manifest.v2+json",
  config: { digest: `sha256:${"c".repeat(64)}` },
});

function fakeEcr(acceptedPassword: string) {
  const calls: Array<{ method: string; url: string }> = [];
  const expected = `Basic ${Buffer.from(`AWS:${acceptedPassword}`).toString("base64")}`;
  const fake: typeof fetch = async (input, init) => {
    const url = String(input);
    calls.push({ method: init?.method ?? "GET", url });
    if (new Headers(init?.headers).get("authorization") !== expected) {
      return new Response("Not Authorized\n", {
        status: 401,
        headers: { "WWW-Authenticate": `Basic realm="https://${ECR}/",service="ecr.amazonaws.com"` },
      });
    }
    if (url.endsWith("/v2/")) return new Response("{}", { status: 200 });
    if (url.includes("/blobs/")) return new Response(CONFIG, { status: 200 });
    return new Response(init?.method === "HEAD" ? null : MANIFEST, {
      status: 200,
      headers: {
        "Content-Type": "application/vnd.docker.distribution.manifest.v2+json",
        "Docker-Content-Digest": `sha256:${"d".repeat(64)}`,
      },
    });
  };
  return { fake, calls };
}

function seedImage() {
  const resolved = resolveImage("docker:pytorch-training:2.2.0-cpu-py310-ubuntu20.04-ec2", ECR);
  if (!resolved.ok) throw new Error(resolved.message);
  return resolved.value.reference;
}

describe("ECR", () => {
  it("asks ECR for the seed's image at the right URL", async () => {
    const { fake, calls } = fakeEcr(PASSWORD);
    const result = await checkImage({
      redactor: new Redactor(),
      image: seedImage(),
      credentials: { username: "AWS", password: PASSWORD, server: ECR },
      fetch: fake,
    });
    expect(result).toMatchObject({ ok: true, platformFound: true, digest: `sha256:${"d".repeat(64)}` });
    expect(calls).toContainEqual({
      method: "HEAD",
      url: `https://${ECR}/v2/pytorch-training/manifests/2.2.0-cpu-py310-ubuntu20.04-ec2`,
    });
  });

  it("explains that ECR passwords expire after 12 hours and how to refresh them", async () => {
    const { fake } = fakeEcr("a-fresh-token");
    const result = await checkImage({
      redactor: new Redactor(),
      image: seedImage(),
      credentials: { username: "AWS", password: PASSWORD, server: ECR },
      fetch: fake,
    });
    expect(result).toMatchObject({ ok: false, code: RHX_REGISTRY_AUTH_REJECTED });
    if (result.ok) return;
    expect(result.message).toBe(`The password was rejected by ${ECR} (user "AWS").`);
    expect(result.hint).toBe(
      "ECR passwords are tokens that expire after 12 hours: refresh with " +
        "SKYPILOT_DOCKER_PASSWORD=$(aws ecr get-login-password --region us-east-1), " +
        "or leave the password empty to log in on the cluster with its instance role.",
    );
    expect(leaks(result, secretForms("AWS", PASSWORD))).toEqual([]);
  });

  it("reminds that the ECR user name is AWS", async () => {
    const { fake } = fakeEcr(PASSWORD);
    const result = await checkImage({
      redactor: new Redactor(),
      image: seedImage(),
      credentials: { username: "alice", password: PASSWORD },
      fetch: fake,
    });
    expect(result.ok ? "" : result.hint).toMatch(/The user name for ECR is "AWS", not "alice"\.$/);
  });
});
