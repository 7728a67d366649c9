/**
 * The bad-file corpus (issue 2, "What a bad file gets"): every file in test/fixtures/configs/bad/
 * has one problem (or, where the point is "all errors at once", several), and each case pins the
 * exact diagnostics: code, `file:line:col`, message and hint. A handful also pin the rendered
 * human output. Files that cannot be committed sensibly (too large, unreadable, a FIFO, a
 * directory) are made in a temp dir by the tests at the end.
 */
import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureBuilt, events, ROOT, runBuiltCli, runCli, STACK_LINE } from "../helpers/run-cli.ts";

const BAD = join(ROOT, "test/fixtures/configs/bad");

interface Expected {
  severity?: "warning";
  code: string;
  /** `file:line:col`, the file as given on the command line. */
  at: string;
  message: string;
  hint?: string;
}

interface Case {
  file: string;
  /** Extra flags before the files. */
  args?: string[];
  /** The whole environment of the run (nothing comes from the machine). */
  env?: Record<string, string>;
  /** Files to validate together, when it is not just `file`. */
  files?: string[];
  exit: 0 | 3;
  diagnostics: Expected[];
}

const CASES: Case[] = [
  {
    file: "alias-bomb.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_ALIAS_LIMIT",
        at: "alias-bomb.yaml:1:1",
        message: "The document expands more than 100 YAML aliases.",
        hint: "A cluster file needs few (if any) anchors and aliases; write the values out.",
      },
    ],
  },
  {
    file: "all-errors-at-once.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "all-errors-at-once.yaml:2:11",
        message:
          '`provider` is "gpc", which is not one of: local, cheapest, aws, gcp, azure, lambda, kubernetes, runpod, oci, ibm, scp, paperspace, fluidstack, cudo, do, nebius, vast, vsphere, hyperbolic.',
        hint: "Did you mean `gcp`?",
      },
      {
        code: "RHX_CONFIG_UNKNOWN_KEY",
        at: "all-errors-at-once.yaml:3:1",
        message: "Unknown key `instance_typ` in the cluster.",
        hint: "Did you mean `instance_type`?",
      },
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "all-errors-at-once.yaml:4:12",
        message: "`num_nodes` must be at least 1, not 0.",
        hint: "Number of nodes. Example: 1.",
      },
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "all-errors-at-once.yaml:6:20",
        message: '`open_ports[1]` has the wrong form ("80-").',
        hint: "A port (8080) or a range of ports ('10000-10010'). Example: 8080.",
      },
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "all-errors-at-once.yaml:8:3",
        message: "`1BAD` is not a valid environment variable name.",
        hint: "Names use letters, digits and '_', and do not start with a digit, e.g. `HF_HOME`.",
      },
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "all-errors-at-once.yaml:10:9",
        message: "`server.port` must be at most 65535, not 70000.",
        hint: "Port of the Runhouse HTTP server in the container. Example: 32300.",
      },
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "all-errors-at-once.yaml:11:16",
        message: '`server.health_path` has the wrong form ("check").',
        hint: 'HTTP path polled until the server answers. Example: "/check".',
      },
    ],
  },
  {
    file: "binary-nul.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_BINARY",
        at: "binary-nul.yaml:1:1",
        message: "binary-nul.yaml is not a text file (it contains NUL bytes).",
        hint: "Is this the right file?",
      },
    ],
  },
  {
    file: "comment-only.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_EMPTY",
        at: "comment-only.yaml:1:1",
        message: "comment-only.yaml has no cluster in it.",
        hint: "A cluster file needs at least `name`, `provider` and `image_id`; `rhx init` writes a starter.",
      },
    ],
  },
  {
    file: "docker-partial-block.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_DOCKER_CREDENTIALS_PARTIAL",
        at: "docker-partial-block.yaml:4:1",
        message: "`docker` needs all three of username, password and server; missing: password, server.",
        hint: "SkyPilot rejects a partial set. Add the missing keys, or remove `docker:` to use SKYPILOT_DOCKER_* from the environment.",
      },
    ],
  },
  {
    file: "docker-partial-env.yaml",
    env: { SKYPILOT_DOCKER_USERNAME: "AWS" },
    exit: 3,
    diagnostics: [
      {
        code: "RHX_DOCKER_CREDENTIALS_PARTIAL",
        at: "docker-partial-env.yaml:3:11",
        message:
          "SKYPILOT_DOCKER_USERNAME is set but SKYPILOT_DOCKER_PASSWORD and SKYPILOT_DOCKER_SERVER are not; SkyPilot needs all three or none.",
        hint: "Set SKYPILOT_DOCKER_PASSWORD and SKYPILOT_DOCKER_SERVER (in the environment or .env), or unset the others.",
      },
    ],
  },
  {
    file: "docker-server-env-scheme.yaml",
    env: {
      SKYPILOT_DOCKER_USERNAME: "bot",
      SKYPILOT_DOCKER_PASSWORD: "s3cret-value-1",
      SKYPILOT_DOCKER_SERVER: "https://ghcr.io/",
    },
    exit: 3,
    diagnostics: [
      {
        code: "RHX_DOCKER_SERVER_FORM",
        at: "docker-server-env-scheme.yaml:3:11",
        message:
          'SKYPILOT_DOCKER_SERVER: The registry server "https://ghcr.io/" must be a bare host without "https://".',
        hint: "Write ghcr.io; SkyPilot puts the server in front of the image name, so a scheme would end up in it.",
      },
    ],
  },
  {
    file: "docker-server-mismatch.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_DOCKER_SERVER_MISMATCH",
        at: "docker-server-mismatch.yaml:3:11",
        message:
          "The image names the registry ghcr.io but the login server is nvcr.io, so SkyPilot would pull nvcr.io/ghcr.io/org/app:1.0.",
        hint: 'Set the server (SKYPILOT_DOCKER_SERVER or docker.server) to ghcr.io, or remove "ghcr.io/" from image_id.',
      },
      {
        severity: "warning",
        code: "RHX_ENV_UNSET",
        at: "docker-server-mismatch.yaml:6:13",
        message: "SKYPILOT_DOCKER_PASSWORD is not set.",
        hint: "Set SKYPILOT_DOCKER_PASSWORD in the environment, in .env beside the file, or in an --env-file. Or give a default: ${SKYPILOT_DOCKER_PASSWORD:-value}.",
      },
    ],
  },
  {
    file: "docker-server-path.yaml",
    exit: 3,
    diagnostics: [
      {
        severity: "warning",
        code: "RHX_ENV_UNSET",
        at: "docker-server-path.yaml:6:13",
        message: "SKYPILOT_DOCKER_PASSWORD is not set.",
        hint: "Set SKYPILOT_DOCKER_PASSWORD in the environment, in .env beside the file, or in an --env-file. Or give a default: ${SKYPILOT_DOCKER_PASSWORD:-value}.",
      },
      {
        code: "RHX_DOCKER_SERVER_FORM",
        at: "docker-server-path.yaml:7:11",
        message: 'The registry server "ghcr.io/org" must be a bare host without a path.',
        hint: 'Write ghcr.io as the server and put "org/" at the start of image_id instead.',
      },
    ],
  },
  {
    file: "docker-server-scheme.yaml",
    exit: 3,
    diagnostics: [
      {
        severity: "warning",
        code: "RHX_ENV_UNSET",
        at: "docker-server-scheme.yaml:6:13",
        message: "SKYPILOT_DOCKER_PASSWORD is not set.",
        hint: "Set SKYPILOT_DOCKER_PASSWORD in the environment, in .env beside the file, or in an --env-file. Or give a default: ${SKYPILOT_DOCKER_PASSWORD:-value}.",
      },
      {
        code: "RHX_DOCKER_SERVER_FORM",
        at: "docker-server-scheme.yaml:7:11",
        message: 'The registry server "https://ghcr.io" must be a bare host without "https://".',
        hint: "Write ghcr.io; SkyPilot puts the server in front of the image name, so a scheme would end up in it.",
      },
    ],
  },
  {
    file: "duplicate-names-across-a.yaml",
    files: ["duplicate-names-across-a.yaml", "duplicate-names-across-b.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_NAME_DUPLICATE",
        at: "duplicate-names-across-b.yaml:2:7",
        message: 'The cluster name "demo" is already used at duplicate-names-across-a.yaml:1:7.',
        hint: "Each cluster needs its own name; it names the container and the SkyPilot cluster.",
      },
    ],
  },
  {
    file: "duplicate-names-documents.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_NAME_DUPLICATE",
        at: "duplicate-names-documents.yaml:5:7",
        message: 'The cluster name "demo" is already used at duplicate-names-documents.yaml:1:7.',
        hint: "Each cluster needs its own name; it names the container and the SkyPilot cluster.",
      },
    ],
  },
  {
    file: "empty.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_EMPTY",
        at: "empty.yaml:1:1",
        message: "empty.yaml has no cluster in it.",
        hint: "A cluster file needs at least `name`, `provider` and `image_id`; `rhx init` writes a starter.",
      },
    ],
  },
  {
    file: "enum-provider-typo.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "enum-provider-typo.yaml:2:11",
        message:
          '`provider` is "awz", which is not one of: local, cheapest, aws, gcp, azure, lambda, kubernetes, runpod, oci, ibm, scp, paperspace, fluidstack, cudo, do, nebius, vast, vsphere, hyperbolic.',
        hint: "Did you mean `aws`?",
      },
    ],
  },
  {
    file: "enum-provider-unknown.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "enum-provider-unknown.yaml:2:11",
        message:
          '`provider` is "my-datacenter", which is not one of: local, cheapest, aws, gcp, azure, lambda, kubernetes, runpod, oci, ibm, scp, paperspace, fluidstack, cudo, do, nebius, vast, vsphere, hyperbolic.',
        hint: "`local` runs on this machine's Docker engine, `cheapest` lets SkyPilot choose, the others are SkyPilot clouds.",
      },
    ],
  },
  {
    file: "env-name-invalid.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "env-name-invalid.yaml:5:3",
        message: "`HF-HOME` is not a valid environment variable name.",
        hint: "Names use letters, digits and '_', and do not start with a digit, e.g. `HF_HOME`.",
      },
    ],
  },
  {
    file: "image-bad-digest.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_IMAGE_REFERENCE",
        at: "image-bad-digest.yaml:3:11",
        message: '`image_id` is not a valid image reference: The digest "sha256:abc123" is not valid.',
        hint: "A digest looks like sha256: followed by 64 hex digits.",
      },
    ],
  },
  {
    file: "image-bad-tag.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_IMAGE_REFERENCE",
        at: "image-bad-tag.yaml:3:11",
        message: '`image_id` is not a valid image reference: The tag "-22.04" is not valid.',
        hint: 'A tag has up to 128 letters, digits, "_", "." or "-", and does not start with "." or "-".',
      },
    ],
  },
  {
    file: "image-missing-docker-prefix.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "image-missing-docker-prefix.yaml:3:11",
        message: '`image_id` "nvcr.io/nvidia/pytorch:23.10-py3" does not start with `docker:`.',
        hint: "rhx runs Docker images, written as Runhouse does: `image_id: docker:nvcr.io/nvidia/pytorch:23.10-py3`.",
      },
    ],
  },
  {
    file: "image-uppercase.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_IMAGE_REFERENCE",
        at: "image-uppercase.yaml:3:11",
        message:
          '`image_id` is not a valid image reference: The repository name "MyOrg" must be lowercase (with uppercase letters Docker reads it as a registry host).',
        hint: 'Write "myorg". Repository names use lowercase letters and digits, separated by ".", "_", "__" or "-".',
      },
    ],
  },
  {
    file: "instance-type-bad-cpu.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_INSTANCE_TYPE",
        at: "instance-type-bad-cpu.yaml:4:16",
        message: '"CPU:x" asks for "x" CPUs.',
        hint: "Write a number of vCPUs, with '+' for at least: `CPU:2+`.",
      },
    ],
  },
  {
    file: "instance-type-bare-accelerator.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_INSTANCE_TYPE",
        at: "instance-type-bare-accelerator.yaml:4:16",
        message: '"A10G" would be read as a cloud instance type, and no cloud has one by that name.',
        hint: "Runhouse needs a count: `instance_type: A10G:1`.",
      },
    ],
  },
  {
    file: "instance-type-kubernetes-on-aws.yaml",
    exit: 0,
    diagnostics: [
      {
        severity: "warning",
        code: "RHX_INSTANCE_TYPE",
        at: "instance-type-kubernetes-on-aws.yaml:4:16",
        message: '"1CPU--1GB" is a Kubernetes instance string, but the provider is aws.',
        hint: "Use `provider: kubernetes`, or a cloud instance type such as `m5.xlarge`.",
      },
    ],
  },
  {
    file: "instance-type-zero-accelerators.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_INSTANCE_TYPE",
        at: "instance-type-zero-accelerators.yaml:4:16",
        message: '"A100:0" is not an accelerator request.',
        hint: "Write `<accelerator>:<count>`, e.g. `A10G:1` or `A100:8`.",
      },
    ],
  },
  {
    file: "interpolation-bad-name.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_INTERPOLATION_SYNTAX",
        at: "interpolation-bad-name.yaml:4:9",
        message: "Bad interpolation: `${1REGION}` is not a variable name.",
        hint: "Write `${NAME}`, `${NAME:-default}` or `${NAME:?message}`; `$$` is a literal `$`.",
      },
    ],
  },
  {
    file: "interpolation-required.yaml",
    args: ["--strict-env"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_ENV_REQUIRED",
        at: "interpolation-required.yaml:4:9",
        message: "AWS_REGION is required: pick the region your quota is in",
        hint: "Set AWS_REGION in the environment, in .env beside the file, or in an --env-file.",
      },
    ],
  },
  {
    file: "interpolation-unclosed.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_INTERPOLATION_SYNTAX",
        at: "interpolation-unclosed.yaml:4:10",
        message: "Bad interpolation: `${` is never closed.",
        hint: "Write `${NAME}`, `${NAME:-default}` or `${NAME:?message}`; `$$` is a literal `$`.",
      },
    ],
  },
  {
    file: "interpolation-unknown-operator.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_INTERPOLATION_SYNTAX",
        at: "interpolation-unknown-operator.yaml:4:9",
        message: "Bad interpolation: `${AWS_REGION:+us-east-1}` has an unknown operator; use :-, -, :? or ?.",
        hint: "Write `${NAME}`, `${NAME:-default}` or `${NAME:?message}`; `$$` is a literal `$`.",
      },
    ],
  },
  {
    file: "interpolation-unset.yaml",
    args: ["--strict-env"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_ENV_UNSET",
        at: "interpolation-unset.yaml:4:7",
        message: "AWS_ZONE is not set.",
        hint: "Set AWS_ZONE in the environment, in .env beside the file, or in an --env-file. Or give a default: ${AWS_ZONE:-value}.",
      },
    ],
  },
  {
    file: "interpolation-value-is-not-yaml.yaml",
    env: { CLUSTER_NAME: "a: b" },
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "interpolation-value-is-not-yaml.yaml:1:7",
        message: 'The cluster name "a: b" is not a valid cluster name.',
        hint: "Start with a letter; use lowercase letters, digits and '-' (SkyPilot's rule), e.g. `my-cluster`.",
      },
    ],
  },
  {
    file: "invalid-utf8.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_ENCODING",
        at: "invalid-utf8.yaml:1:1",
        message: "invalid-utf8.yaml is not valid UTF-8.",
        hint: "Save the file as UTF-8.",
      },
    ],
  },
  {
    file: "local-ignored-fields.yaml",
    exit: 0,
    diagnostics: [
      {
        severity: "warning",
        code: "RHX_LOCAL_IGNORED",
        at: "local-ignored-fields.yaml:4:1",
        message:
          "`region` has no effect with `provider: local` (the container runs on this machine with host networking).",
        hint: "Remove it, or keep it for when you move the cluster to a cloud.",
      },
      {
        severity: "warning",
        code: "RHX_LOCAL_IGNORED",
        at: "local-ignored-fields.yaml:5:1",
        message:
          "`open_ports` has no effect with `provider: local` (the container runs on this machine with host networking).",
        hint: "Remove it, or keep it for when you move the cluster to a cloud.",
      },
    ],
  },
  {
    file: "local-num-nodes.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_LOCAL_CONSTRAINT",
        at: "local-num-nodes.yaml:3:12",
        message: "`provider: local` runs one container on this machine; `num_nodes` must be 1.",
        hint: "Remove `num_nodes`, or choose a cloud provider for a multi-node cluster.",
      },
    ],
  },
  {
    file: "local-use-spot.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_LOCAL_CONSTRAINT",
        at: "local-use-spot.yaml:3:11",
        message: "`provider: local` has no spot instances.",
        hint: "Remove `use_spot`, or choose a cloud provider.",
      },
    ],
  },
  {
    file: "memory-form.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "memory-form.yaml:4:9",
        message: '`memory` has the wrong form ("lots").',
        hint: "Memory in GB; '16+' means at least 16. Example: \"16+\".",
      },
    ],
  },
  {
    file: "missing-everything.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_MISSING_KEY",
        at: "missing-everything.yaml:2:1",
        message: "The cluster needs `name`.",
        hint: "Give the cluster a name, e.g. `name: my-cluster`.",
      },
      {
        code: "RHX_CONFIG_MISSING_KEY",
        at: "missing-everything.yaml:2:1",
        message: "The cluster needs `provider`.",
        hint: "Say where it runs: `provider: local` for this machine's Docker, or a cloud such as `aws`.",
      },
      {
        code: "RHX_CONFIG_MISSING_KEY",
        at: "missing-everything.yaml:2:1",
        message: "The cluster needs `image_id`.",
        hint: "Name the Docker image, e.g. `image_id: docker:nvcr.io/nvidia/pytorch:23.10-py3`.",
      },
    ],
  },
  {
    file: "missing-image-nested-empty.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "missing-image-nested-empty.yaml:3:10",
        message: "`image_id` must be a string, not empty.",
        hint: "The Docker image, as Runhouse writes it: 'docker:<registry>/<image>:<tag>'. With SKYPILOT_DOCKER_SERVER set, the server prefixes the image unless it already starts with it. Example: \"docker:nvcr.io/nvidia/pytorch:23.10-py3\".",
      },
    ],
  },
  {
    file: "missing-name.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_MISSING_KEY",
        at: "missing-name.yaml:1:1",
        message: "The cluster needs `name`.",
        hint: "Give the cluster a name, e.g. `name: my-cluster`.",
      },
    ],
  },
  {
    file: "multi-document-second-bad.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "multi-document-second-bad.yaml:8:16",
        message: "`autostop_mins` must be at least -1, not -5.",
        hint: "Minutes of idleness before the cluster is torn down; -1 = never. Default 60 (not Runhouse's old -1), so a forgotten cluster stops billing. Example: 60.",
      },
    ],
  },
  {
    file: "name-pattern.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "name-pattern.yaml:1:7",
        message: 'The cluster name "1st-cluster" is not a valid cluster name.',
        hint: "Start with a letter; use lowercase letters, digits and '-' (SkyPilot's rule), e.g. `my-cluster`.",
      },
    ],
  },
  {
    file: "name-reserved.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_NAME_RESERVED",
        at: "name-reserved.yaml:1:7",
        message: 'The cluster name "ssh" is reserved by Runhouse.',
        hint: "Pick another name, e.g. `my-cluster`.",
      },
    ],
  },
  {
    file: "name-too-long.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "name-too-long.yaml:1:7",
        message: "`name` is 71 characters long; the limit is 63.",
        hint: "SkyPilot and the clouds take cluster names of at most 63 characters; shorten it.",
      },
    ],
  },
  {
    file: "scalar-document.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "scalar-document.yaml:1:1",
        message: 'The cluster must be a mapping of keys, not a string ("demo").',
        hint: "Write one cluster per document, e.g. `name: my-cluster`, `provider: aws`, `image_id: docker:…`; separate several clusters with `---`.",
      },
    ],
  },
  {
    file: "secret-literal-password.yaml",
    exit: 0,
    diagnostics: [
      {
        severity: "warning",
        code: "RHX_SECRET_IN_FILE",
        at: "secret-literal-password.yaml:6:13",
        message: "The registry password is written in the file; it will be committed with it.",
        hint: "Write `password: ${SKYPILOT_DOCKER_PASSWORD}` and keep the value in .env (not committed).",
      },
    ],
  },
  {
    file: "secret-too-short.yaml",
    env: { REGISTRY_TOKEN: "abc" },
    exit: 0,
    diagnostics: [
      {
        severity: "warning",
        code: "RHX_SECRET_TOO_SHORT",
        at: "secret-too-short.yaml:6:13",
        message: "REGISTRY_TOKEN is shorter than 5 characters, too short for rhx to mask in its output.",
        hint: "Use a longer secret: rhx hides secrets by value, and masking a value this short would mangle everything it prints.",
      },
    ],
  },
  {
    file: "top-level-list.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "top-level-list.yaml:1:1",
        message: "The cluster must be a mapping of keys, not a list.",
        hint: "Write one cluster per document, e.g. `name: my-cluster`, `provider: aws`, `image_id: docker:…`; separate several clusters with `---`.",
      },
    ],
  },
  {
    file: "type-env-value.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "type-env-value.yaml:5:10",
        message: "`env.PATHS` must be a string, a number or a boolean, not a list.",
      },
    ],
  },
  {
    file: "type-num-nodes.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "type-num-nodes.yaml:4:12",
        message: '`num_nodes` must be a whole number, not a string ("two").',
        hint: "Number of nodes. Example: 1.",
      },
    ],
  },
  {
    file: "type-quoted-interpolation.yaml",
    env: { NODES: "2" },
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "type-quoted-interpolation.yaml:4:12",
        message: '`num_nodes` must be a whole number, not a string ("2").',
        hint: "Number of nodes. Example: 1.",
      },
    ],
  },
  {
    file: "type-setup-string.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "type-setup-string.yaml:4:8",
        message: '`setup` must be a list, not a string ("pip install torch").',
        hint: 'Shell commands run in the container after launch, in order; a failing command stops the apply. Example: ["pip install -r requirements.txt"].',
      },
    ],
  },
  {
    file: "type-use-spot.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "type-use-spot.yaml:4:11",
        message: '`use_spot` must be a boolean, not a string ("yes").',
        hint: "Use spot instances. Example: false.",
      },
    ],
  },
  {
    file: "unknown-key-docker.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_UNKNOWN_KEY",
        at: "unknown-key-docker.yaml:6:3",
        message: "Unknown key `passwd` in `docker`.",
        hint: "Did you mean `password`?",
      },
      {
        severity: "warning",
        code: "RHX_ENV_UNSET",
        at: "unknown-key-docker.yaml:6:11",
        message: "SKYPILOT_DOCKER_PASSWORD is not set.",
        hint: "Set SKYPILOT_DOCKER_PASSWORD in the environment, in .env beside the file, or in an --env-file. Or give a default: ${SKYPILOT_DOCKER_PASSWORD:-value}.",
      },
    ],
  },
  {
    file: "unknown-key-nested.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_UNKNOWN_KEY",
        at: "unknown-key-nested.yaml:5:3",
        message: "Unknown key `prot` in `server`.",
        hint: "Did you mean `port`?",
      },
    ],
  },
  {
    file: "unknown-key-no-suggestion.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_UNKNOWN_KEY",
        at: "unknown-key-no-suggestion.yaml:4:1",
        message: "Unknown key `colour` in the cluster.",
        hint: "Allowed keys: name, provider, instance_type, num_nodes, region, zone, use_spot, memory, disk_size, autostop_mins, open_ports, image_id, platform, docker, env, setup, runhouse, server, sky.",
      },
    ],
  },
  {
    file: "unknown-key-top.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_UNKNOWN_KEY",
        at: "unknown-key-top.yaml:4:1",
        message: "Unknown key `instance_typ` in the cluster.",
        hint: "Did you mean `instance_type`?",
      },
    ],
  },
  {
    file: "yaml-duplicate-key-nested.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_DUPLICATE_KEY",
        at: "yaml-duplicate-key-nested.yaml:6:3",
        message: "The key `port` appears twice in the same mapping.",
        hint: "Each key may appear once per mapping; remove or rename one of them.",
      },
    ],
  },
  {
    file: "yaml-duplicate-key.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_DUPLICATE_KEY",
        at: "yaml-duplicate-key.yaml:4:1",
        message: "The key `provider` appears twice in the same mapping.",
        hint: "Each key may appear once per mapping; remove or rename one of them.",
      },
    ],
  },
  {
    file: "yaml-missing-colon.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_MULTILINE_IMPLICIT_KEY",
        at: "yaml-missing-colon.yaml:2:1",
        message: "Implicit keys need to be on a single line.",
        hint: "A key is missing its `:` (write `key: value`), or a line is indented wrongly.",
      },
    ],
  },
  {
    file: "yaml-tab-indent.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_TAB_AS_INDENT",
        at: "yaml-tab-indent.yaml:5:1",
        message: "Tabs are not allowed as indentation.",
        hint: "YAML indents with spaces; replace the tabs.",
      },
    ],
  },
  {
    file: "yaml-unclosed-flow.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_BAD_INDENT",
        at: "yaml-unclosed-flow.yaml:2:1",
        message: "Flow sequence in block collection must be sufficiently indented and end with a ].",
        hint: "Check that keys at the same level line up.",
      },
    ],
  },
  {
    file: "yaml-unclosed-quote.yaml",
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_MISSING_CHAR",
        at: "yaml-unclosed-quote.yaml:4:1",
        message: 'Missing closing "quote.',
        hint: "A quote or bracket is not closed.",
      },
    ],
  },
];

async function validateJson(c: Case) {
  const result = await runCli(["validate", "--json", ...(c.args ?? []), ...(c.files ?? [c.file])], {
    cwd: BAD,
    ...(c.env ? { env: c.env } : {}),
  });
  const diagnostics = events(result.stdout)
    .filter((e) => e.type === "diagnostic")
    .map((e) => {
      const l = e.location as { file: string; line: number; column: number };
      return {
        ...(e.severity === "warning" ? { severity: "warning" } : {}),
        code: e.code,
        at: `${l.file}:${l.line}:${l.column}`,
        message: e.message,
        ...(e.hint === undefined ? {} : { hint: e.hint }),
      };
    });
  return { result, diagnostics };
}

describe("the bad-file corpus", () => {
  test("has at least 40 files, and every one of them has a case", async () => {
    const files = (await readdir(BAD)).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThanOrEqual(40);
    const covered = new Set(CASES.flatMap((c) => c.files ?? [c.file]));
    expect(files.filter((f) => !covered.has(f))).toEqual([]);
  });

  test.each(CASES)("$file", async (c) => {
    const { result, diagnostics } = await validateJson(c);
    expect(diagnostics).toEqual(c.diagnostics);
    expect(result.exitCode).toBe(c.exit);
    expect(result.stderr).toBe("");
    const summary = events(result.stdout).at(-1);
    expect(summary).toMatchObject({ type: "summary", ok: c.exit === 0 });

    const human = await runCli(["validate", ...(c.args ?? []), ...(c.files ?? [c.file])], {
      cwd: BAD,
      ...(c.env ? { env: c.env } : {}),
    });
    expect(human.exitCode).toBe(c.exit);
    expect(human.stdout).toBe("");
    expect(human.stderr).not.toMatch(STACK_LINE);
    for (const d of c.diagnostics) {
      expect(human.stderr).toContain(`${d.at} ${d.severity ?? "error"} ${d.code}\n  ${d.message}\n`);
      if (d.hint) expect(human.stderr).toContain(`  hint: ${d.hint}\n`);
    }
  });

  test("every diagnostic about the text has a code frame with a caret on the reported column", async () => {
    const wholeFile = new Set(["RHX_CONFIG_BINARY", "RHX_CONFIG_ENCODING", "RHX_CONFIG_EMPTY"]);
    for (const c of CASES) {
      const { result } = await validateJson(c);
      for (const event of events(result.stdout).filter((e) => e.type === "diagnostic")) {
        if (wholeFile.has(String(event.code))) continue;
        const frame = String(event.frame);
        const { line, column } = event.location as { line: number; column: number };
        const lines = frame.split("\n");
        const faulty = lines.find((l) => l.startsWith(`> ${line} |`));
        expect(faulty, `${c.file}: ${String(event.code)}`).toBeDefined();
        const caret = lines.at(-1) ?? "";
        const gutter = (faulty ?? "").indexOf("| ") + 2;
        expect(caret.indexOf("^") - gutter + 1, `${c.file}: ${String(event.code)}`).toBe(column);
      }
    }
  });
});

describe("rendered output", () => {
  const human = async (file: string, env?: Record<string, string>) =>
    (await runCli(["validate", file], { cwd: BAD, ...(env ? { env } : {}) })).stderr;

  test("an unknown key, with did-you-mean", async () => {
    expect(await human("unknown-key-top.yaml")).toMatchInlineSnapshot(`
      "unknown-key-top.yaml:4:1 error RHX_CONFIG_UNKNOWN_KEY
        Unknown key \`instance_typ\` in the cluster.
          3 | image_id: docker:ubuntu:22.04
        > 4 | instance_typ: CPU:2+
            | ^^^^^^^^^^^^
        hint: Did you mean \`instance_type\`?

      ✗ 1 error.
      "
    `);
  });

  test("a nested unknown key", async () => {
    expect(await human("unknown-key-nested.yaml")).toMatchInlineSnapshot(`
      "unknown-key-nested.yaml:5:3 error RHX_CONFIG_UNKNOWN_KEY
        Unknown key \`prot\` in \`server\`.
          4 | server:
        > 5 |   prot: 32300
            |   ^^^^
        hint: Did you mean \`port\`?

      ✗ 1 error.
      "
    `);
  });

  test("tabs", async () => {
    expect(await human("yaml-tab-indent.yaml")).toMatchInlineSnapshot(`
      "yaml-tab-indent.yaml:5:1 error RHX_YAML_TAB_AS_INDENT
        Tabs are not allowed as indentation.
          4 | server:
        > 5 |  port: 32300
            | ^
        hint: YAML indents with spaces; replace the tabs.

      ✗ 1 error.
      "
    `);
  });

  test("a bare accelerator", async () => {
    expect(await human("instance-type-bare-accelerator.yaml")).toMatchInlineSnapshot(`
      "instance-type-bare-accelerator.yaml:4:16 error RHX_INSTANCE_TYPE
        "A10G" would be read as a cloud instance type, and no cloud has one by that name.
          3 | image_id: docker:ubuntu:22.04
        > 4 | instance_type: A10G
            |                ^^^^
        hint: Runhouse needs a count: \`instance_type: A10G:1\`.

      ✗ 1 error.
      "
    `);
  });

  test("an unclosed interpolation", async () => {
    expect(await human("interpolation-unclosed.yaml")).toMatchInlineSnapshot(`
      "interpolation-unclosed.yaml:4:10 error RHX_INTERPOLATION_SYNTAX
        Bad interpolation: \`\${\` is never closed.
          3 | image_id: docker:ubuntu:22.04
        > 4 | region: "\${AWS_REGION"
            |          ^^^
        hint: Write \`\${NAME}\`, \`\${NAME:-default}\` or \`\${NAME:?message}\`; \`$$\` is a literal \`$\`.

      ✗ 1 error.
      "
    `);
  });

  test("a server that does not match the image's registry", async () => {
    expect(await human("docker-server-mismatch.yaml")).toMatchInlineSnapshot(`
      "docker-server-mismatch.yaml:3:11 error RHX_DOCKER_SERVER_MISMATCH
        The image names the registry ghcr.io but the login server is nvcr.io, so SkyPilot would pull nvcr.io/ghcr.io/org/app:1.0.
          2 | provider: aws
        > 3 | image_id: docker:ghcr.io/org/app:1.0
            |           ^^^^^^^^^^^^^^^^^^^^^^^^^^
        hint: Set the server (SKYPILOT_DOCKER_SERVER or docker.server) to ghcr.io, or remove "ghcr.io/" from image_id.

      docker-server-mismatch.yaml:6:13 warning RHX_ENV_UNSET
        SKYPILOT_DOCKER_PASSWORD is not set.
          5 |   username: bot
        > 6 |   password: \${SKYPILOT_DOCKER_PASSWORD}
            |             ^^^^^^^^^^^^^^^^^^^^^^^^^^^
        hint: Set SKYPILOT_DOCKER_PASSWORD in the environment, in .env beside the file, or in an --env-file. Or give a default: \${SKYPILOT_DOCKER_PASSWORD:-value}.

      ✗ 1 error, 1 warning.
      "
    `);
  });

  test("all errors of a file at once", async () => {
    expect(await human("all-errors-at-once.yaml")).toMatchInlineSnapshot(`
      "all-errors-at-once.yaml:2:11 error RHX_CONFIG_SCHEMA
        \`provider\` is "gpc", which is not one of: local, cheapest, aws, gcp, azure, lambda, kubernetes, runpod, oci, ibm, scp, paperspace, fluidstack, cudo, do, nebius, vast, vsphere, hyperbolic.
          1 | name: Demo_Cluster
        > 2 | provider: gpc
            |           ^^^
        hint: Did you mean \`gcp\`?

      all-errors-at-once.yaml:3:1 error RHX_CONFIG_UNKNOWN_KEY
        Unknown key \`instance_typ\` in the cluster.
          2 | provider: gpc
        > 3 | instance_typ: CPU:2+
            | ^^^^^^^^^^^^
        hint: Did you mean \`instance_type\`?

      all-errors-at-once.yaml:4:12 error RHX_CONFIG_SCHEMA
        \`num_nodes\` must be at least 1, not 0.
          3 | instance_typ: CPU:2+
        > 4 | num_nodes: 0
            |            ^
        hint: Number of nodes. Example: 1.

      all-errors-at-once.yaml:6:20 error RHX_CONFIG_SCHEMA
        \`open_ports[1]\` has the wrong form ("80-").
          5 | image_id: docker:ubuntu:22.04
        > 6 | open_ports: [8080, "80-"]
            |                    ^^^^^
        hint: A port (8080) or a range of ports ('10000-10010'). Example: 8080.

      all-errors-at-once.yaml:8:3 error RHX_CONFIG_SCHEMA
        \`1BAD\` is not a valid environment variable name.
          7 | env:
        > 8 |   1BAD: x
            |   ^^^^
        hint: Names use letters, digits and '_', and do not start with a digit, e.g. \`HF_HOME\`.

      all-errors-at-once.yaml:10:9 error RHX_CONFIG_SCHEMA
        \`server.port\` must be at most 65535, not 70000.
           9 | server:
        > 10 |   port: 70000
             |         ^^^^^
        hint: Port of the Runhouse HTTP server in the container. Example: 32300.

      all-errors-at-once.yaml:11:16 error RHX_CONFIG_SCHEMA
        \`server.health_path\` has the wrong form ("check").
          10 |   port: 70000
        > 11 |   health_path: check
             |                ^^^^^
        hint: HTTP path polled until the server answers. Example: "/check".

      ✗ 7 errors.
      "
    `);
  });

  test("binary junk", async () => {
    expect(await human("binary-nul.yaml")).toMatchInlineSnapshot(`
      "binary-nul.yaml:1:1 error RHX_CONFIG_BINARY
        binary-nul.yaml is not a text file (it contains NUL bytes).
        hint: Is this the right file?

      ✗ 1 error.
      "
    `);
  });
});

describe("files made by the test", () => {
  let dir: string;
  const run = (argv: string[]) => runCli(argv, { cwd: dir });
  const diagnosticsOf = async (argv: string[]) => {
    const result = await run(["validate", "--json", ...argv]);
    expect(result.stderr).toBe("");
    return {
      exitCode: result.exitCode,
      diagnostics: events(result.stdout)
        .filter((e) => e.type === "diagnostic")
        .map((e) => ({
          code: e.code,
          at: `${(e.location as { file: string }).file}:${(e.location as { line: number }).line}:${(e.location as { column: number }).column}`,
          message: e.message,
          hint: e.hint,
        })),
    };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rhx-bad-"));
    if (process.getuid?.() === 0) await ensureBuilt();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("a file just over 1 MiB", async () => {
    const padding = `# ${"x".repeat(1000)}\n`.repeat(1050);
    await writeFile(join(dir, "big.yaml"), `name: big\nprovider: aws\nimage_id: docker:ubuntu\n${padding}`);
    expect(await diagnosticsOf(["big.yaml"])).toEqual({
      exitCode: 3,
      diagnostics: [
        {
          code: "RHX_CONFIG_TOO_LARGE",
          at: "big.yaml:1:1",
          message: "big.yaml is 1029 KiB; a cluster file is at most 1024 KiB.",
          hint: "Is this the right file?",
        },
      ],
    });
  });

  test("a 50 MB file is refused without being read", async () => {
    const line = `key: ${"v".repeat(1019)}\n`;
    const chunk = line.repeat(1024);
    const path = join(dir, "huge.yaml");
    await writeFile(path, "");
    for (let i = 0; i < 50; i++) await writeFile(path, chunk, { flag: "a" });
    const started = Date.now();
    const result = await diagnosticsOf(["huge.yaml"]);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.exitCode).toBe(3);
    expect(result.diagnostics).toEqual([
      expect.objectContaining({ code: "RHX_CONFIG_TOO_LARGE", at: "huge.yaml:1:1" }),
    ]);
    await rm(path);
  });

  test("a directory given as FILE", async () => {
    await mkdir(join(dir, "project"));
    await mkdir(join(dir, "with-cluster"));
    await writeFile(join(dir, "with-cluster/cluster.yaml"), "name: x\nprovider: local\nimage_id: docker:x\n");
    expect(await diagnosticsOf(["project", "with-cluster"])).toEqual({
      exitCode: 3,
      diagnostics: [
        {
          code: "RHX_CONFIG_IS_DIRECTORY",
          at: "project:1:1",
          message: "project is a directory, not a cluster file.",
          hint: "Pass the path of a cluster file (a .yaml file).",
        },
        {
          code: "RHX_CONFIG_IS_DIRECTORY",
          at: "with-cluster:1:1",
          message: "with-cluster is a directory, not a cluster file.",
          hint: "Did you mean with-cluster/cluster.yaml?",
        },
      ],
    });
  });

  test("a missing file, and the default ./cluster.yaml", async () => {
    expect(await diagnosticsOf(["nope.yaml"])).toEqual({
      exitCode: 3,
      diagnostics: [
        {
          code: "RHX_CONFIG_NOT_FOUND",
          at: "nope.yaml:1:1",
          message: "nope.yaml does not exist.",
          hint: "Pass the path of a cluster file, or run `rhx init` to write one.",
        },
      ],
    });
    expect((await diagnosticsOf([])).diagnostics).toEqual([
      expect.objectContaining({ code: "RHX_CONFIG_NOT_FOUND", at: "cluster.yaml:1:1" }),
    ]);
  });

  // CI runs as root, and root reads a chmod 000 file anyway. So: as a normal user, chmod 000 must
  // give "permission denied" in-process; as root, the built CLI is spawned as `nobody` (uid 65534)
  // to see the same refusal, and in-process we check that root simply reads the file. A FIFO (which
  // would block forever if opened) covers "a file that cannot be read to the end".
  const isRoot = process.getuid?.() === 0;
  const NOBODY = 65534;

  test.skipIf(isRoot)("an unreadable file (chmod 000, as a normal user)", async () => {
    const path = join(dir, "secret.yaml");
    await writeFile(path, "name: x\n");
    await chmod(path, 0o000);
    expect(await diagnosticsOf(["secret.yaml"])).toEqual({
      exitCode: 3,
      diagnostics: [
        {
          code: "RHX_CONFIG_UNREADABLE",
          at: "secret.yaml:1:1",
          message: "secret.yaml cannot be read: permission denied.",
          hint: "Check the file's permissions (`ls -l`); rhx only needs to read it.",
        },
      ],
    });
  });

  test.runIf(isRoot)("as root: the built CLI run as `nobody` gets permission denied", async () => {
    await chmod(dir, 0o755); // mkdtemp makes it 0700; nobody must reach the file to be refused it
    const path = join(dir, "locked.yaml");
    await writeFile(path, "name: x\nprovider: local\nimage_id: docker:x\n");
    await chmod(path, 0o000);
    const result = await runBuiltCli(["validate", "locked.yaml"], { cwd: dir, uid: NOBODY, gid: NOBODY });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe(
      "locked.yaml:1:1 error RHX_CONFIG_UNREADABLE\n  locked.yaml cannot be read: permission denied.\n  hint: Check the file's permissions (`ls -l`); rhx only needs to read it.\n\n✗ 1 error.\n",
    );
  });

  test.runIf(isRoot)("as root, chmod 000 does not stop reading: the file is validated as usual", async () => {
    const path = join(dir, "root-readable.yaml");
    await writeFile(path, "name: x\nprovider: local\nimage_id: docker:x\n");
    await chmod(path, 0o000);
    expect((await diagnosticsOf(["root-readable.yaml"])).exitCode).toBe(0);
  });

  test.skipIf(process.platform === "win32")("a FIFO is not opened (it would block)", async () => {
    execFileSync("mkfifo", [join(dir, "pipe.yaml")]);
    expect(await diagnosticsOf(["pipe.yaml"])).toEqual({
      exitCode: 3,
      diagnostics: [
        {
          code: "RHX_CONFIG_UNREADABLE",
          at: "pipe.yaml:1:1",
          message: "pipe.yaml is not a regular file (it is a pipe, socket or device).",
          hint: "Pass the path of a cluster file (a .yaml file).",
        },
      ],
    });
  });

  test("a missing --env-file, and one that is a directory", async () => {
    await writeFile(join(dir, "ok.yaml"), "name: ok\nprovider: local\nimage_id: docker:x\n");
    expect(await diagnosticsOf(["--env-file", "missing.env", "--env-file", ".", "ok.yaml"])).toEqual({
      exitCode: 3,
      diagnostics: [
        {
          code: "RHX_ENV_FILE_UNREADABLE",
          at: "missing.env:1:1",
          message: "The env file missing.env does not exist.",
          hint: "Check the --env-file path.",
        },
        {
          code: "RHX_ENV_FILE_UNREADABLE",
          at: ".:1:1",
          message: "The env file . is a directory.",
          hint: "Check the --env-file path.",
        },
      ],
    });
  });

  test("collections nested thousands deep are refused before the YAML parser recurses", async () => {
    const n = 5000;
    await writeFile(
      join(dir, "flow.yaml"),
      `name: x\nsky:\n  resources:\n    a: ${"[".repeat(n)}${"]".repeat(n)}\n`,
    );
    await writeFile(
      join(dir, "block.yaml"),
      Array.from({ length: 1200 }, (_, i) => `${" ".repeat(i)}k:`).join("\n"),
    );
    const { exitCode, diagnostics } = await diagnosticsOf(["flow.yaml", "block.yaml"]);
    expect(exitCode).toBe(3);
    expect(diagnostics).toEqual([
      {
        code: "RHX_YAML_TOO_DEEP",
        at: "flow.yaml:4:69",
        message: "Collections are nested more than 64 levels deep.",
        hint: "A cluster file nests a few levels at most; is this the right file?",
      },
      expect.objectContaining({ code: "RHX_YAML_TOO_DEEP", at: "block.yaml:65:65" }),
    ]);
  });

  test("interpolation defaults nested too deep are a syntax error, not a stack overflow", async () => {
    const n = 20_000;
    await writeFile(
      join(dir, "nested.yaml"),
      `name: x\nprovider: local\nimage_id: docker:x\nregion: ${"${A:-".repeat(n)}x${"}".repeat(n)}\n`,
    );
    const { exitCode, diagnostics } = await diagnosticsOf(["nested.yaml"]);
    expect(exitCode).toBe(3);
    expect(diagnostics).toEqual([
      {
        code: "RHX_INTERPOLATION_SYNTAX",
        at: "nested.yaml:4:9",
        message: "Bad interpolation: defaults are nested more than 16 levels deep.",
        hint: "Write `${NAME}`, `${NAME:-default}` or `${NAME:?message}`; `$$` is a literal `$`.",
      },
    ]);
  });

  test("several broken files at once: every one reported, in the order given", async () => {
    await writeFile(join(dir, "tabs.yaml"), "name: a\n\tprovider: aws\n");
    const { diagnostics } = await diagnosticsOf(["nope.yaml", "tabs.yaml", "project"]);
    expect(diagnostics.map((d) => `${d.at} ${String(d.code)}`)).toEqual([
      "nope.yaml:1:1 RHX_CONFIG_NOT_FOUND",
      "tabs.yaml:2:1 RHX_YAML_TAB_AS_INDENT",
      "project:1:1 RHX_CONFIG_IS_DIRECTORY",
    ]);
  });
});

describe("usage errors", () => {
  test("an unknown flag exits 64", async () => {
    const result = await runCli(["validate", "--frobnicate", "cluster.yaml"]);
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toMatchInlineSnapshot(`
      "error Unknown option \`--frobnicate\`
        Run \`rhx --help\` for usage.
      "
    `);
  });

  test("an unknown command exits 64", async () => {
    const result = await runCli(["valdate", "cluster.yaml"]);
    expect(result.exitCode).toBe(64);
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stderr).toContain("RHX_USAGE");
  });

  test("--env-file without a value exits 64", async () => {
    const result = await runCli(["validate", "--env-file"]);
    expect(result.exitCode).toBe(64);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  test("with --json, a usage error is an event on stdout", async () => {
    const result = await runCli(["validate", "--json", "--frobnicate"]);
    expect(result.exitCode).toBe(64);
    expect(events(result.stdout)).toEqual([expect.objectContaining({ type: "error", code: "RHX_USAGE" })]);
  });
});
