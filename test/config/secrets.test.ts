/**
 * Issue 2, "Security": a secret value never appears in any output of `rhx validate`, human or
 * `--json`, including the messages and code frames that quote the file. Frames quote the file as
 * written (`${SKYPILOT_DOCKER_PASSWORD}`), and every sink passes the redactor, which knows the
 * value whether it came from the process, an --env-file, .env, or the file itself.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ensureBuilt, events, runBuiltCli, runCli, STACK_LINE } from "../helpers/run-cli.ts";

const PASSWORD = "Zq7-distinctive-P4ssw0rd!";
const forms = [PASSWORD, encodeURIComponent(PASSWORD), Buffer.from(PASSWORD).toString("base64")];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-secrets-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Rule errors on the lines around the password: each frame quotes the line before it too. */
const REFERENCED = `name: leak-test
provider: aws
image_id: docker:ghcr.io/org/app:1.0
docker:
  username: bot
  password: \${SKYPILOT_DOCKER_PASSWORD}
  server: https://ghcr.io
env:
  COPY: \${SKYPILOT_DOCKER_PASSWORD}
`;

/** Schema errors around the password (the schema stage stops before the rules). */
const REFERENCED_SCHEMA = `name: leak-test
provider: aws
image_id: docker:ghcr.io/org/app:1.0
docker:
  username: bot
  password: \${SKYPILOT_DOCKER_PASSWORD}
  servr: ghcr.io
env:
  COPY: \${SKYPILOT_DOCKER_PASSWORD}
  1BAD: x
`;

/** The value where messages quote values: a server and an image (rules), a name (schema). */
const QUOTED = `name: leak-test
provider: aws
image_id: docker:\${SKYPILOT_DOCKER_PASSWORD}
docker:
  username: bot
  password: \${SKYPILOT_DOCKER_PASSWORD}
  server: \${SKYPILOT_DOCKER_PASSWORD}
`;
const QUOTED_SCHEMA = `name: \${SKYPILOT_DOCKER_PASSWORD}
provider: aws
image_id: docker:x
`;

/** The password written in the file, followed by a YAML error whose frame quotes its line. */
const LITERAL_BROKEN = `name: leak-test
provider: aws
image_id: docker:ghcr.io/org/app:1.0
docker:
  username: bot
  password: "${PASSWORD}"
\tserver: ghcr.io
`;

/** The password written in the file, with schema errors around it. */
const LITERAL_SCHEMA = `name: leak-test
provider: aws
image_id: docker:ghcr.io/org/app:1.0
docker:
  username: bot
  password: ${PASSWORD}
  servr: ghcr.io
`;

interface Scenario {
  name: string;
  config: string;
  files?: Record<string, string>;
  envFiles?: string[];
  env?: Record<string, string>;
  /** Text that must appear: the reference as written, in a frame. */
  shows?: string;
}

const scenarios: Scenario[] = [
  {
    name: "from .env beside the file",
    config: REFERENCED,
    files: { ".env": `SKYPILOT_DOCKER_PASSWORD=${PASSWORD}\n` },
    shows: "password: ${SKYPILOT_DOCKER_PASSWORD}",
  },
  {
    name: "from an --env-file",
    config: REFERENCED,
    files: { "ci.env": `SKYPILOT_DOCKER_PASSWORD="${PASSWORD}"\n` },
    envFiles: ["ci.env"],
    shows: "password: ${SKYPILOT_DOCKER_PASSWORD}",
  },
  {
    name: "from the process environment",
    config: REFERENCED,
    env: { SKYPILOT_DOCKER_PASSWORD: PASSWORD },
    shows: "password: ${SKYPILOT_DOCKER_PASSWORD}",
  },
  {
    name: "from .env, next to schema errors",
    config: REFERENCED_SCHEMA,
    files: { ".env": `SKYPILOT_DOCKER_PASSWORD=${PASSWORD}\n` },
    shows: "password: ${SKYPILOT_DOCKER_PASSWORD}",
  },
  {
    name: "quoted by messages about an image and a server",
    config: QUOTED,
    env: { SKYPILOT_DOCKER_PASSWORD: PASSWORD },
    shows: "server: ${SKYPILOT_DOCKER_PASSWORD}",
  },
  {
    name: "quoted by a message about the cluster name",
    config: QUOTED_SCHEMA,
    env: { SKYPILOT_DOCKER_PASSWORD: PASSWORD },
    shows: "name: ${SKYPILOT_DOCKER_PASSWORD}",
  },
  {
    name: "in SKYPILOT_DOCKER_* with no docker block",
    config: "name: leak-test\nprovider: aws\nimage_id: docker:Org/App:1\n",
    env: {
      SKYPILOT_DOCKER_USERNAME: "bot",
      SKYPILOT_DOCKER_PASSWORD: PASSWORD,
      SKYPILOT_DOCKER_SERVER: `https://${PASSWORD}.example.com`,
    },
  },
  {
    name: "a secret-looking variable used outside docker",
    config: "name: leak-test\nprovider: aws\nimage_id: docker:x\nregion: ${HF_TOKEN}\nzone: ''\n",
    env: { HF_TOKEN: PASSWORD },
  },
  {
    name: "in a variable whose name does not look secret, used as docker.password and as the name",
    config:
      "name: ${REG_PASS}\nprovider: aws\nimage_id: docker:x\ndocker:\n  username: bot\n  password: ${REG_PASS}\n  server: ghcr.io\n",
    env: { REG_PASS: PASSWORD },
    shows: "name: ${REG_PASS}",
  },
  {
    name: "written literally, in a file that does not parse",
    config: LITERAL_BROKEN,
  },
  {
    name: "written literally, next to a schema error",
    config: LITERAL_SCHEMA,
  },
];

describe.each(scenarios)("a password $name", (scenario) => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(join(dir, "case-"));
    await writeFile(join(cwd, "cluster.yaml"), scenario.config);
    for (const [file, text] of Object.entries(scenario.files ?? {})) await writeFile(join(cwd, file), text);
  });

  const argv = (json: boolean) => [
    "validate",
    ...(json ? ["--json"] : []),
    ...(scenario.envFiles ?? []).flatMap((f) => ["--env-file", f]),
    "cluster.yaml",
  ];

  test.each([false, true])("never appears in the output (json: %s)", async (json) => {
    const result = await runCli(argv(json), { cwd, ...(scenario.env ? { env: scenario.env } : {}) });
    expect(result.exitCode).toBe(3);
    const output = result.stdout + result.stderr;
    for (const form of forms) expect(output).not.toContain(form);
    expect(output).not.toMatch(STACK_LINE);
    if (scenario.shows) expect(output).toContain(scenario.shows);
    if (json) {
      expect(result.stderr).toBe("");
      expect(events(result.stdout).filter((e) => e.type === "diagnostic").length).toBeGreaterThan(0);
    }
  });
});

describe("the built CLI, as a user runs it", () => {
  beforeAll(async () => {
    await ensureBuilt();
  });

  test("leaks nothing from .env, the environment or the file, in either output mode", async () => {
    const cwd = await mkdtemp(join(dir, "e2e-"));
    await writeFile(join(cwd, "cluster.yaml"), REFERENCED);
    await writeFile(join(cwd, "literal.yaml"), LITERAL_SCHEMA);
    await writeFile(join(cwd, ".env"), `SKYPILOT_DOCKER_PASSWORD=${PASSWORD}\n`);
    for (const json of [false, true]) {
      const result = await runBuiltCli(
        ["validate", ...(json ? ["--json"] : []), "cluster.yaml", "literal.yaml"],
        { cwd, env: { HF_TOKEN: PASSWORD } },
      );
      expect(result.exitCode).toBe(3);
      for (const form of forms) expect(result.stdout + result.stderr).not.toContain(form);
      expect(result.stdout + result.stderr).toContain("${SKYPILOT_DOCKER_PASSWORD}");
    }
  });
});

describe("a secret too short to mask", () => {
  test("is named in a warning (and the file still validates)", async () => {
    const cwd = await mkdtemp(join(dir, "short-"));
    await writeFile(
      join(cwd, "cluster.yaml"),
      "name: short\nprovider: aws\nimage_id: docker:ghcr.io/org/app:1\ndocker:\n  username: bot\n  password: ${SKYPILOT_DOCKER_PASSWORD}\n  server: ghcr.io\n",
    );
    await writeFile(join(cwd, ".env"), "SKYPILOT_DOCKER_PASSWORD=pw\n");
    const result = await runCli(["validate", "cluster.yaml"], { cwd });
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatchInlineSnapshot(`
      "cluster.yaml:6:13 warning RHX_SECRET_TOO_SHORT
        SKYPILOT_DOCKER_PASSWORD is shorter than 5 characters, too short for rhx to mask in its output.
          5 |   username: bot
        > 6 |   password: \${SKYPILOT_DOCKER_PASSWORD}
            |             ^^^^^^^^^^^^^^^^^^^^^^^^^^^
        hint: Use a longer secret: rhx hides secrets by value, and masking a value this short would mangle everything it prints.

      ✓ cluster.yaml is valid (short), 1 warning.
      "
    `);
  });

  test("a short literal password in the file is named as docker.password", async () => {
    const cwd = await mkdtemp(join(dir, "short-literal-"));
    await writeFile(
      join(cwd, "cluster.yaml"),
      "name: short\nprovider: aws\nimage_id: docker:ghcr.io/org/app:1\ndocker:\n  username: bot\n  password: abc\n  server: ghcr.io\n",
    );
    const result = await runCli(["validate", "--json", "cluster.yaml"], { cwd });
    expect(result.exitCode).toBe(0);
    expect(
      events(result.stdout)
        .filter((e) => e.type === "diagnostic")
        .map((e) => [e.code, e.message]),
    ).toEqual([
      [
        "RHX_SECRET_TOO_SHORT",
        "docker.password is shorter than 5 characters, too short for rhx to mask in its output.",
      ],
      ["RHX_SECRET_IN_FILE", "The registry password is written in the file; it will be committed with it."],
    ]);
  });
});
