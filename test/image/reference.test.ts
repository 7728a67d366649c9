import { describe, expect, it } from "vitest";
import { parseImageReference } from "../../src/image/reference.ts";

const SHA = "sha256:7cc4b5aefd1d0cadf8d97d4350462ba51c694ebca145b08d7d41b41acc8db5aa";

type Expected = {
  registry: string;
  apiHost?: string;
  repository: string;
  tag?: string;
  digest?: string;
  reference: string;
  canonical: string;
};

const valid: Array<[string, Expected]> = [
  // Docker Hub official images get library/ and the registry-1 API host.
  [
    "ubuntu",
    {
      registry: "docker.io",
      apiHost: "registry-1.docker.io",
      repository: "library/ubuntu",
      reference: "latest",
      canonical: "docker.io/library/ubuntu:latest",
    },
  ],
  [
    "ubuntu:22.04",
    {
      registry: "docker.io",
      repository: "library/ubuntu",
      tag: "22.04",
      reference: "22.04",
      canonical: "docker.io/library/ubuntu:22.04",
    },
  ],
  [
    "docker.io/ubuntu",
    {
      registry: "docker.io",
      repository: "library/ubuntu",
      reference: "latest",
      canonical: "docker.io/library/ubuntu:latest",
    },
  ],
  [
    "index.docker.io/library/busybox:1.36",
    {
      registry: "docker.io",
      repository: "library/busybox",
      tag: "1.36",
      reference: "1.36",
      canonical: "docker.io/library/busybox:1.36",
    },
  ],
  [
    "library/redis",
    {
      registry: "docker.io",
      repository: "library/redis",
      reference: "latest",
      canonical: "docker.io/library/redis:latest",
    },
  ],
  // The seed's three images.
  [
    "rayproject/ray:latest-py311-cpu",
    {
      registry: "docker.io",
      apiHost: "registry-1.docker.io",
      repository: "rayproject/ray",
      tag: "latest-py311-cpu",
      reference: "latest-py311-cpu",
      canonical: "docker.io/rayproject/ray:latest-py311-cpu",
    },
  ],
  [
    "nvcr.io/nvidia/pytorch:23.10-py3",
    {
      registry: "nvcr.io",
      apiHost: "nvcr.io",
      repository: "nvidia/pytorch",
      tag: "23.10-py3",
      reference: "23.10-py3",
      canonical: "nvcr.io/nvidia/pytorch:23.10-py3",
    },
  ],
  [
    "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.2.0-cpu-py310-ubuntu20.04-ec2",
    {
      registry: "763104351884.dkr.ecr.us-east-1.amazonaws.com",
      apiHost: "763104351884.dkr.ecr.us-east-1.amazonaws.com",
      repository: "pytorch-training",
      tag: "2.2.0-cpu-py310-ubuntu20.04-ec2",
      reference: "2.2.0-cpu-py310-ubuntu20.04-ec2",
      canonical:
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/pytorch-training:2.2.0-cpu-py310-ubuntu20.04-ec2",
    },
  ],
  // Hosts with ports, localhost, IP addresses.
  [
    "localhost:5000/team/app:dev",
    {
      registry: "localhost:5000",
      apiHost: "localhost:5000",
      repository: "team/app",
      tag: "dev",
      reference: "dev",
      canonical: "localhost:5000/team/app:dev",
    },
  ],
  [
    "localhost/app",
    { registry: "localhost", repository: "app", reference: "latest", canonical: "localhost/app:latest" },
  ],
  [
    "127.0.0.1:41234/rhx/busybox:1",
    {
      registry: "127.0.0.1:41234",
      repository: "rhx/busybox",
      tag: "1",
      reference: "1",
      canonical: "127.0.0.1:41234/rhx/busybox:1",
    },
  ],
  [
    "registry.example.com:443/a/b",
    {
      registry: "registry.example.com:443",
      repository: "a/b",
      reference: "latest",
      canonical: "registry.example.com:443/a/b:latest",
    },
  ],
  [
    "myregistry:5000/app",
    {
      registry: "myregistry:5000",
      repository: "app",
      reference: "latest",
      canonical: "myregistry:5000/app:latest",
    },
  ],
  [
    "[::1]/app:1",
    {
      registry: "[::1]",
      apiHost: "[::1]",
      repository: "app",
      tag: "1",
      reference: "1",
      canonical: "[::1]/app:1",
    },
  ],
  [
    `[2001:db8::1]:5000/ns/app@${SHA}`,
    {
      registry: "[2001:db8::1]:5000",
      repository: "ns/app",
      digest: SHA,
      reference: SHA,
      canonical: `[2001:db8::1]:5000/ns/app@${SHA}`,
    },
  ],
  // Hosts keep their case; apiHost is lowercased for the URL.
  [
    "Registry.Example.COM/app:v1",
    {
      registry: "Registry.Example.COM",
      apiHost: "registry.example.com",
      repository: "app",
      tag: "v1",
      reference: "v1",
      canonical: "Registry.Example.COM/app:v1",
    },
  ],
  // Digests, tag + digest (Docker pulls by the digest).
  [
    `busybox@${SHA}`,
    {
      registry: "docker.io",
      repository: "library/busybox",
      digest: SHA,
      reference: SHA,
      canonical: `docker.io/library/busybox@${SHA}`,
    },
  ],
  [
    `ghcr.io/org/app:1.2@${SHA}`,
    {
      registry: "ghcr.io",
      repository: "org/app",
      tag: "1.2",
      digest: SHA,
      reference: SHA,
      canonical: `ghcr.io/org/app:1.2@${SHA}`,
    },
  ],
  // Nested paths and separators.
  [
    "us-central1-docker.pkg.dev/my-proj/my-repo/trainer:v3",
    {
      registry: "us-central1-docker.pkg.dev",
      repository: "my-proj/my-repo/trainer",
      tag: "v3",
      reference: "v3",
      canonical: "us-central1-docker.pkg.dev/my-proj/my-repo/trainer:v3",
    },
  ],
  [
    "gitlab.example.com:5050/group/sub/group2/image:main",
    {
      registry: "gitlab.example.com:5050",
      repository: "group/sub/group2/image",
      tag: "main",
      reference: "main",
      canonical: "gitlab.example.com:5050/group/sub/group2/image:main",
    },
  ],
  [
    "a/b__c/d---e/f.g_h",
    {
      registry: "docker.io",
      repository: "a/b__c/d---e/f.g_h",
      reference: "latest",
      canonical: "docker.io/a/b__c/d---e/f.g_h:latest",
    },
  ],
  // Tags: underscores, dots, upper case (allowed in tags), 128 characters.
  [
    "app:V1_final.2-rc",
    {
      registry: "docker.io",
      repository: "library/app",
      tag: "V1_final.2-rc",
      reference: "V1_final.2-rc",
      canonical: "docker.io/library/app:V1_final.2-rc",
    },
  ],
  [
    `app:${"a".repeat(128)}`,
    {
      registry: "docker.io",
      repository: "library/app",
      tag: "a".repeat(128),
      reference: "a".repeat(128),
      canonical: `docker.io/library/app:${"a".repeat(128)}`,
    },
  ],
  // "docker:foo" on its own is the image "docker" with tag "foo" (stripping docker: is resolveImage's job).
  [
    "docker:dind",
    {
      registry: "docker.io",
      repository: "library/docker",
      tag: "dind",
      reference: "dind",
      canonical: "docker.io/library/docker:dind",
    },
  ],
];

const invalid: Array<[string, RegExp, number | undefined]> = [
  ["", /empty/, undefined],
  ["Ubuntu", /must be lowercase/, 0],
  ["org/MyApp:1", /"org\/MyApp" must be lowercase/, 4],
  ["ghcr.io/Org/app", /must be lowercase/, 8],
  ["MyUser/app", /"MyUser" must be lowercase .*registry host/, 0],
  ["ubuntu:", /empty tag/, 7],
  ["ubuntu:-bad", /tag "-bad" is not valid/, 7],
  [`ubuntu:${"a".repeat(129)}`, /tag .* is not valid/, 7],
  ["ubuntu@sha256:abc", /digest "sha256:abc" is not valid/, 7],
  [`ubuntu@md5:${"a".repeat(32)}`, /algorithm "md5" is not supported/, 7],
  [`ubuntu@sha256:${"A".repeat(64)}`, /must be lowercase/, 7],
  [`ubuntu@sha256:${"a".repeat(63)}`, /64 hex digits, this one has 63/, 7],
  ["https://ghcr.io/org/app:1", /is a URL/, 0],
  ["a//b", /empty path component/, 2],
  ["a/b/", /empty path component/, 4],
  ["-app", /"-app" is not a valid repository name component/, 0],
  ["app-", /"app-" is not a valid repository name component/, 0],
  ["a..b/c", /"a..b" is not a valid/, 0],
  ["foo bar", /whitespace/, 3],
  ["[::1/app", /registry host "\[::1" is not a valid host name/, 0],
  ["host:99999/app", /invalid port 99999/, 0],
  ["host:port/app", /registry host "host:port" is not a valid host name/, 0],
  [":tag", /no repository name/, 0],
  [`${"a".repeat(64)}`.replace(/a/g, "f"), /image id/, 0],
  [`registry.example.com/${"a".repeat(256)}`, /256 characters long; the limit is 255/, undefined],
  ["a/b:c/d", /"b:c" is not a valid repository name component/, 3],
];

describe("parseImageReference", () => {
  it.each(valid)("parses %s", (text, expected) => {
    const result = parseImageReference(text);
    expect(result.ok ? result.value : result).toMatchObject(expected);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    // A part the case does not name must be absent, not merely unchecked.
    expect(result.value.tag).toBe(expected.tag);
    expect(result.value.digest).toBe(expected.digest);
  });

  it.each(invalid)("rejects %j", (text, message, offset) => {
    const result = parseImageReference(text);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.message).toMatch(message);
    expect(result.offset).toBe(offset);
    // One line, a full sentence.
    expect(result.message).not.toContain("\n");
    expect(result.message).toMatch(/\.$/);
  });

  it("covers at least 30 references", () => {
    expect(valid.length + invalid.length).toBeGreaterThanOrEqual(30);
  });

  it("gives a hint with the lowercase spelling", () => {
    const result = parseImageReference("org/MyApp:1");
    expect(result.ok ? undefined : result.hint).toBe('Write "org/myapp".');
  });

  it("keeps the path limit at 255 characters, not counting the host", () => {
    expect(parseImageReference(`registry.example.com/${"a".repeat(255)}`).ok).toBe(true);
  });
});
