/**
 * Issue 12's bad input, in the style of the bad-file corpus (bad-files.test.ts): each file in
 * test/fixtures/configs/bad-input/ pins its exact diagnostics (code, `file:line:col`, message, hint)
 * and exit code, through `--json` and the human output. Then the cases a fixture cannot hold: the
 * same file given twice, and `.env` files (which must not be committed, so they are made here).
 */
import { link, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { events, ROOT, runCli, STACK_LINE } from "../helpers/run-cli.ts";

const DIR = join(ROOT, "test/fixtures/configs/bad-input");

interface Expected {
  severity?: "warning";
  code: string;
  at: string;
  message: string;
  hint?: string;
}

interface Case {
  /** The files given to `rhx validate`, as written on the command line. */
  files: string[];
  env?: Record<string, string>;
  exit: 0 | 3;
  diagnostics: Expected[];
  /** The clusters a valid run reports. */
  clusters?: string[];
}

const SCHEMA_TAGS = "rhx reads mappings, lists, text, numbers and booleans.";
const setHint = "Write a mapping with a value for each key, e.g. `{A: x, B: y}`.";
const binaryHint = "Remove the `!!binary` tag and write the value as text.";
const rangeHint = "Write a number in range, or quote it if it is text.";
const utf16 = (file: string, name: string, bom: boolean): Expected => ({
  code: "RHX_CONFIG_ENCODING",
  at: `${file}:1:1`,
  message: `${file} is ${name} text (${bom ? "with" : "without"} a byte order mark); rhx reads UTF-8.`,
  hint: `Convert it: \`iconv -f ${bom ? "UTF-16" : name} -t UTF-8 ${file} > converted.yaml\`, or save it as UTF-8 in your editor.`,
});
const unknownServerKey = (key: string, at: string): Expected => ({
  code: "RHX_CONFIG_UNKNOWN_KEY",
  at,
  message: `Unknown key \`${key}\` in \`server\`.`,
  hint: "Allowed keys: port, den_auth, command, health_path, health_timeout_secs.",
});

const CASES: Case[] = [
  // `env: !!set {A, B}` was an empty env, accepted.
  {
    files: ["env-set-flow.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_UNSUPPORTED_TAG",
        at: "env-set-flow.yaml:4:6",
        message: `This value is a YAML set (\`!!set\`): keys without values; ${SCHEMA_TAGS}`,
        hint: setHint,
      },
    ],
  },
  {
    files: ["env-set-block.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_UNSUPPORTED_TAG",
        at: "env-set-block.yaml:4:6",
        message: `This value is a YAML set (\`!!set\`): keys without values; ${SCHEMA_TAGS}`,
        hint: setHint,
      },
    ],
  },
  {
    files: ["env-omap.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_UNSUPPORTED_TAG",
        at: "env-omap.yaml:4:6",
        message: `This value is an ordered mapping (\`!!omap\`); ${SCHEMA_TAGS}`,
        hint: "Remove the tag: a plain mapping keeps the order it is written in.",
      },
    ],
  },
  {
    files: ["setup-pairs.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_UNSUPPORTED_TAG",
        at: "setup-pairs.yaml:4:8",
        message: `This value is a list of pairs (\`!!pairs\`); ${SCHEMA_TAGS}`,
        hint: "Remove the tag and write a plain mapping or list.",
      },
    ],
  },
  // `!!binary` was "a mapping".
  {
    files: ["region-binary.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_UNSUPPORTED_TAG",
        at: "region-binary.yaml:4:9",
        message: `This value is binary data (\`!!binary\`), not text; ${SCHEMA_TAGS}`,
        hint: binaryHint,
      },
    ],
  },
  {
    files: ["region-binary-block.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_UNSUPPORTED_TAG",
        at: "region-binary-block.yaml:4:9",
        message: `This value is binary data (\`!!binary\`), not text; ${SCHEMA_TAGS}`,
        hint: binaryHint,
      },
    ],
  },
  {
    files: ["env-timestamp.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_UNSUPPORTED_TAG",
        at: "env-timestamp.yaml:5:9",
        message: `This value is a timestamp (\`!!timestamp\`), not text; ${SCHEMA_TAGS}`,
        hint: 'Remove the tag; quote the date (`"2001-12-14"`) to keep it as text.',
      },
    ],
  },
  // `port: 1e400` was "not a number (null)".
  {
    files: ["port-1e400.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_NUMBER_RANGE",
        at: "port-1e400.yaml:5:9",
        message: "The number 1e400 is out of range: it is not a finite number.",
        hint: rangeHint,
      },
    ],
  },
  {
    files: ["port-minus-1e400.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_NUMBER_RANGE",
        at: "port-minus-1e400.yaml:5:9",
        message: "The number -1e400 is out of range: it is not a finite number.",
        hint: rangeHint,
      },
    ],
  },
  // It was accepted, and the container got BIG=Infinity.
  {
    files: ["env-value-1e400.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_YAML_NUMBER_RANGE",
        at: "env-value-1e400.yaml:5:8",
        message: "The number 1e400 is out of range: it is not a finite number.",
        hint: rangeHint,
      },
    ],
  },
  {
    files: ["port-inf.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "port-inf.yaml:5:9",
        message: "`server.port` must be a whole number, not infinite (.inf).",
        hint: "Port of the Runhouse HTTP server in the container. Example: 32300.",
      },
    ],
  },
  {
    files: ["port-interpolated.yaml"],
    env: { PORT: "1e400" },
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_SCHEMA",
        at: "port-interpolated.yaml:5:9",
        message: '`server.port` must be a whole number, not a string ("1e400").',
        hint: "Port of the Runhouse HTTP server in the container. Example: 32300.",
      },
    ],
  },
  // UTF-16 was "contains NUL bytes".
  { files: ["utf16-bom.yaml"], exit: 3, diagnostics: [utf16("utf16-bom.yaml", "UTF-16LE", true)] },
  { files: ["utf16be-bom.yaml"], exit: 3, diagnostics: [utf16("utf16be-bom.yaml", "UTF-16BE", true)] },
  { files: ["utf16le-no-bom.yaml"], exit: 3, diagnostics: [utf16("utf16le-no-bom.yaml", "UTF-16LE", false)] },
  { files: ["utf16be-no-bom.yaml"], exit: 3, diagnostics: [utf16("utf16be-no-bom.yaml", "UTF-16BE", false)] },
  // Two `provider: local` clusters on one port passed, and the second failed at its server start.
  {
    files: ["local-default-ports.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_PORT_CONFLICT",
        at: "local-default-ports.yaml:6:11",
        message:
          'Clusters "one" (local-default-ports.yaml:2:11) and "two" both run on this machine with server.port 32300 (the default); only one server can listen on it.',
        hint: 'Give "two" another `server.port`, e.g. `server: {port: 32301}`.',
      },
    ],
  },
  {
    files: ["local-port-a.yaml", "local-port-b.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_PORT_CONFLICT",
        at: "local-port-b.yaml:5:16",
        message:
          'Clusters "one" (local-port-a.yaml:5:9) and "two" both run on this machine with server.port 8080; only one server can listen on it.',
        hint: 'Give "two" another `server.port`, e.g. `server: {port: 8081}`.',
      },
    ],
  },
  { files: ["local-distinct-ports.yaml"], exit: 0, diagnostics: [], clusters: ["one", "two"] },
  // Cloud clusters each get a machine of their own: the same port is fine.
  { files: ["cloud-same-ports.yaml"], exit: 0, diagnostics: [], clusters: ["one", "two", "three"] },
  // Object.prototype names as keys: unknown where the schema lists the keys, ordinary names in `env`.
  {
    files: ["proto-key-top.yaml"],
    exit: 3,
    diagnostics: [
      {
        code: "RHX_CONFIG_UNKNOWN_KEY",
        at: "proto-key-top.yaml:4:1",
        message: "Unknown key `__proto__` in the cluster.",
        hint: "Allowed keys: name, provider, instance_type, num_nodes, region, zone, use_spot, memory, disk_size, autostop_mins, open_ports, image_id, platform, docker, env, setup, runhouse, server, sky.",
      },
    ],
  },
  {
    files: ["proto-key-server.yaml"],
    exit: 3,
    diagnostics: [unknownServerKey("constructor", "proto-key-server.yaml:5:3")],
  },
  { files: ["proto-keys-env.yaml"], exit: 0, diagnostics: [], clusters: ["demo"] },
];

async function validate(files: readonly string[], cwd: string, env?: Record<string, string>) {
  const json = await runCli(["validate", "--json", ...files], { cwd, ...(env ? { env } : {}) });
  const human = await runCli(["validate", ...files], { cwd, ...(env ? { env } : {}) });
  const all = events(json.stdout);
  const diagnostics = all
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
  return { json, human, diagnostics, summary: all.at(-1) };
}

describe("the bad-input corpus", () => {
  test("every fixture has a case", async () => {
    const files = (await readdir(DIR)).filter((f) => f.endsWith(".yaml"));
    const covered = new Set(CASES.flatMap((c) => c.files));
    expect(files.filter((f) => !covered.has(f))).toEqual([]);
  });

  test.each(CASES.map((c) => ({ name: c.files.join(" "), ...c })))("$name", async (c) => {
    const { json, human, diagnostics, summary } = await validate(c.files, DIR, c.env);
    expect(diagnostics).toEqual(c.diagnostics);
    expect(json.exitCode).toBe(c.exit);
    expect(json.stderr).toBe("");
    expect(summary).toMatchObject({ type: "summary", ok: c.exit === 0 });
    if (c.clusters) expect(summary?.clusters).toEqual(c.clusters);
    expect(human.exitCode).toBe(c.exit);
    expect(human.stdout).toBe("");
    expect(human.stderr).not.toMatch(STACK_LINE);
    expect(human.stderr).not.toContain("RHX_INTERNAL");
    for (const d of c.diagnostics) {
      expect(human.stderr).toContain(`${d.at} ${d.severity ?? "error"} ${d.code}\n  ${d.message}\n`);
      if (d.hint) expect(human.stderr).toContain(`  hint: ${d.hint}\n`);
    }
  });

  test("every diagnostic about the text has a code frame with a caret on the reported column", async () => {
    for (const c of CASES) {
      const { json } = await validate(c.files, DIR, c.env);
      for (const event of events(json.stdout).filter((e) => e.type === "diagnostic")) {
        if (event.code === "RHX_CONFIG_ENCODING") continue; // about the whole file
        const frame = String(event.frame);
        const { line, column } = event.location as { line: number; column: number };
        const lines = frame.split("\n");
        const faulty = lines.find((l) => l.startsWith(`> ${line} |`));
        expect(faulty, `${c.files}: ${String(event.code)}`).toBeDefined();
        const caret = lines.at(-1) ?? "";
        const gutter = (faulty ?? "").indexOf("| ") + 2;
        expect(caret.indexOf("^") - gutter + 1, `${c.files}: ${String(event.code)}`).toBe(column);
      }
    }
  });
});

describe("the same file given twice", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rhx-twice-"));
    await writeFile(join(dir, "a.yaml"), "name: demo\nprovider: local\nimage_id: docker:ubuntu:22.04\n");
    await symlink(join(dir, "a.yaml"), join(dir, "link.yaml"));
    await link(join(dir, "a.yaml"), join(dir, "hard.yaml"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  // It was a duplicate of itself (RHX_NAME_DUPLICATE, exit 3). Read once, with a warning: the
  // command line means "these files", and a repeated path is more often a typo than a wish.
  test.each([
    [["a.yaml", "a.yaml"], "a.yaml is given twice; it is read once."],
    [["a.yaml", "./a.yaml"], "./a.yaml is the same file as a.yaml; it is read once."],
    [["./a.yaml", "../rhx-twice/a.yaml"], null],
    [["a.yaml", "link.yaml"], "link.yaml is the same file as a.yaml; it is read once."],
    [["a.yaml", "hard.yaml"], "hard.yaml is the same file as a.yaml; it is read once."],
  ])("%j", async (files, message) => {
    const spelled = files.map((f) => f.replace("rhx-twice", dir.split("/").at(-1) ?? ""));
    const { json, diagnostics, summary } = await validate(spelled, dir);
    expect(json.exitCode).toBe(0);
    expect(summary?.clusters).toEqual(["demo"]);
    expect(diagnostics).toEqual([
      {
        severity: "warning",
        code: "RHX_CONFIG_REPEATED",
        at: `${spelled[1]}:1:1`,
        message: message ?? `${spelled[1]} is the same file as ${spelled[0]}; it is read once.`,
        hint: "Remove the repeated path (or correct it, if another file was meant).",
      },
    ]);
  });

  test("an absolute path and a relative one are the same file too", async () => {
    const { diagnostics } = await validate(["a.yaml", join(dir, "a.yaml")], dir);
    expect(diagnostics.map((d) => d.code)).toEqual(["RHX_CONFIG_REPEATED"]);
  });

  test("two missing files with the same path are reported once", async () => {
    const { json, diagnostics } = await validate(["nope.yaml", "./nope.yaml"], dir);
    expect(json.exitCode).toBe(3);
    expect(diagnostics.map((d) => d.code)).toEqual(["RHX_CONFIG_NOT_FOUND", "RHX_CONFIG_REPEATED"]);
  });
});

describe(".env files made by the test", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rhx-bad-env-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases: { name: string; dotenv: string; exit: 0 | 3; diagnostics: Expected[] }[] = [
    {
      name: "a prototype name as a reference (it hung rhx)",
      dotenv: "WHO=$constructor\n",
      exit: 0,
      diagnostics: [
        {
          severity: "warning",
          code: "RHX_ENV_FILE_REFERENCE",
          at: ".env:1:5",
          message:
            "WHO has a `$` reference to a variable that is not set, so that part of its value is empty.",
          hint: "Set the variable above this line, in an earlier env file or in the environment, or give a default (`${NAME:-value}`). If the `$` belongs to the value, write it as `\\$`.",
        },
      ],
    },
    {
      name: "a prototype name as a variable (RHX_INTERNAL)",
      dotenv: "toString=x\nWHO=$toString\n",
      exit: 0,
      diagnostics: [],
    },
    {
      name: "`__proto__=` cannot be a variable",
      dotenv: "__proto__=x\nWHO=w\n",
      exit: 0,
      diagnostics: [
        {
          severity: "warning",
          code: "RHX_ENV_FILE_NAME",
          at: ".env:1:1",
          message: "`__proto__` cannot be set from an env file; line 1 of .env is ignored.",
          hint: "Rename the variable.",
        },
      ],
    },
    {
      name: "a password with a `$` in it (a fragment of it was printed)",
      dotenv: "REG_PASS=Xy7$CANARYfrag9\nWHO=w\n",
      exit: 0,
      diagnostics: [
        {
          severity: "warning",
          code: "RHX_ENV_FILE_REFERENCE",
          at: ".env:1:13",
          message:
            "REG_PASS has a `$` reference to a variable that is not set, so that part of its value is empty.",
          hint: "Set the variable above this line, in an earlier env file or in the environment, or give a default (`${NAME:-value}`). If the `$` belongs to the value, write it as `\\$`.",
        },
      ],
    },
    {
      name: "a value that grows past 128 KiB",
      dotenv: `A=${"x".repeat(2000)}\nB=${"$A".repeat(100)}\nWHO=w\n`,
      exit: 3,
      diagnostics: [
        {
          code: "RHX_ENV_FILE_TOO_LONG",
          at: ".env:2:3",
          message: "B is longer than 128 KiB once its references are filled in.",
          hint: "No process can take an environment variable that long; is a reference repeated by mistake?",
        },
      ],
    },
  ];

  test.each([
    ["UTF-16LE", true, "UTF-16"],
    ["UTF-16LE", false, "UTF-16LE"],
    ["UTF-16BE", false, "UTF-16BE"],
  ] as const)(
    "a .env saved as %s (byte order mark: %s) is named as such, not read as nothing",
    async (name, bom, from) => {
      await writeFile(
        join(dir, "cluster.yaml"),
        "name: demo\nprovider: local\nimage_id: docker:x\nenv:\n  WHO: ${WHO}\n",
      );
      const le = Buffer.from("WHO=w\n", "utf16le");
      const bytes = name === "UTF-16LE" ? le : Buffer.from(le).swap16();
      const mark = Buffer.from(name === "UTF-16LE" ? [0xff, 0xfe] : [0xfe, 0xff]);
      await writeFile(join(dir, ".env"), bom ? Buffer.concat([mark, bytes]) : bytes);
      const { json, diagnostics } = await validate(["cluster.yaml"], dir);
      expect(json.exitCode).toBe(3);
      expect(diagnostics[0]).toEqual({
        code: "RHX_ENV_FILE_ENCODING",
        at: ".env:1:1",
        message: `The .env file .env is ${name} text; rhx reads UTF-8.`,
        hint: `Convert it: \`iconv -f ${from} -t UTF-8 .env > converted.env\`, or save it as UTF-8 in your editor.`,
      });
    },
  );

  test.each(cases)("$name", async (c) => {
    await writeFile(
      join(dir, "cluster.yaml"),
      "name: demo\nprovider: local\nimage_id: docker:x\nenv:\n  WHO: ${WHO}\n",
    );
    await writeFile(join(dir, ".env"), c.dotenv);
    const { json, human, diagnostics } = await validate(["cluster.yaml"], dir);
    expect(diagnostics).toEqual(c.diagnostics);
    expect(json.exitCode).toBe(c.exit);
    expect(human.exitCode).toBe(c.exit);
    expect(human.stderr).not.toMatch(STACK_LINE);
    expect(human.stderr).not.toContain("CANARY");
    expect(human.stderr).not.toContain("frag9");
  });
});
