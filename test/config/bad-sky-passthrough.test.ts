/**
 * The `sky:` passthrough guard, in the style of the bad-file corpus (bad-files.test.ts): each file in
 * test/fixtures/configs/bad-sky/ pins its exact diagnostics. Keys rhx models are refused at validate
 * (otherwise validate and pre-flight check one image or cloud and SkyPilot launches another), and so
 * are keys SkyPilot does not know (otherwise they fail only at apply).
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { SKY_LAUNCH_OPTIONS, SKY_RESOURCES_KEYS } from "../../src/config/sky-passthrough.ts";
import { launchPassthroughFlags } from "../../src/drivers/skypilot/task-yaml.ts";
import { events, ROOT, runCli, STACK_LINE } from "../helpers/run-cli.ts";

const BAD = join(ROOT, "test/fixtures/configs/bad-sky");

interface Expected {
  code: string;
  at: string;
  message: string;
  hint: string;
}

const modelled = (at: string, key: string, field: string, flag?: string): Expected => ({
  code: "RHX_SKY_PASSTHROUGH_MODELLED",
  at,
  message: `\`${key}\`${flag ? ` (\`${flag}\`)` : ""} would override what rhx sets from ${field}, after validate and pre-flight checked that.`,
  hint: `Use ${field} instead, and remove \`${key}\`.`,
});

const CASES: { file: string; diagnostics: Expected[] }[] = [
  {
    file: "resources-image-id.yaml",
    diagnostics: [modelled("resources-image-id.yaml:7:5", "sky.resources.image_id", "`image_id`")],
  },
  {
    file: "launch-env.yaml",
    diagnostics: [
      modelled(
        "launch-env.yaml:6:5",
        "sky.launch.env",
        "`env` (and the `docker:` block for registry credentials)",
        "--env",
      ),
    ],
  },
  {
    file: "launch-rhx-options.yaml",
    diagnostics: [
      {
        code: "RHX_SKY_PASSTHROUGH_MODELLED",
        at: "launch-rhx-options.yaml:7:5",
        message: "`sky.launch.yes` (`--yes`) is decided by rhx itself for every launch.",
        hint: "Remove `sky.launch.yes`.",
      },
      modelled("launch-rhx-options.yaml:8:5", "sky.launch.cluster", "`name`", "--cluster"),
      modelled(
        "launch-rhx-options.yaml:9:5",
        "sky.launch.idle-minutes-to-autostop",
        "`autostop_mins`",
        "--idle-minutes-to-autostop",
      ),
    ],
  },
  {
    file: "resources-any-of.yaml",
    diagnostics: [
      modelled("resources-any-of.yaml:7:9", "sky.resources.any_of[0].region", "`region`"),
      modelled("resources-any-of.yaml:8:9", "sky.resources.any_of[1].region", "`region`"),
      modelled(
        "resources-any-of.yaml:9:9",
        "sky.resources.any_of[1]._docker_login_config",
        "the `docker:` block",
      ),
    ],
  },
  {
    file: "resources-unknown.yaml",
    diagnostics: [
      {
        code: "RHX_SKY_PASSTHROUGH_UNKNOWN",
        at: "resources-unknown.yaml:6:5",
        message: "`sky.resources.disk_teir`: SkyPilot's task resources have no key `disk_teir`.",
        hint: "Did you mean `disk_tier`?",
      },
      {
        code: "RHX_SKY_PASSTHROUGH_UNKNOWN",
        at: "resources-unknown.yaml:7:5",
        message: "`sky.resources.envs`: `envs` is a key of SkyPilot's task, not of its resources.",
        hint: "rhx sets it from `env`; remove `sky.resources.envs`.",
      },
    ],
  },
  {
    file: "launch-unknown.yaml",
    diagnostics: [
      {
        code: "RHX_SKY_PASSTHROUGH_UNKNOWN",
        at: "launch-unknown.yaml:6:5",
        message: "`sky.launch.retry_untill_up`: `sky launch` has no option `--retry-untill-up`.",
        hint: "Did you mean `retry_until_up`?",
      },
      {
        code: "RHX_SKY_PASSTHROUGH_UNKNOWN",
        at: "launch-unknown.yaml:7:5",
        message: "`sky.launch.detach_setup`: `sky launch` has no option `--detach-setup`.",
        hint: "Keys are `sky launch` options without the dashes, e.g. `retry_until_up: true` for `--retry-until-up`.",
      },
      {
        code: "RHX_SKY_PASSTHROUGH_UNKNOWN",
        at: "launch-unknown.yaml:8:5",
        message:
          "`sky.launch.stream_logs`: `stream_logs` is an argument of SkyPilot's Python `sky.launch()` (Runhouse's sky_kwargs), not a `sky launch` option.",
        hint: "rhx launches through the `sky` CLI; remove `sky.launch.stream_logs`.",
      },
      modelled("launch-unknown.yaml:9:5", "sky.launch.cluster_name", "`name`"),
    ],
  },
];

async function validateJson(file: string) {
  const result = await runCli(["validate", "--json", file], { cwd: BAD });
  const diagnostics = events(result.stdout).filter((e) => e.type === "diagnostic");
  return { result, diagnostics };
}

describe("the sky passthrough guard", () => {
  test("every file in bad-sky/ has a case", async () => {
    const files = (await readdir(BAD)).filter((f) => f.endsWith(".yaml"));
    expect(files.sort((a, b) => a.localeCompare(b))).toEqual(
      CASES.map((c) => c.file).sort((a, b) => a.localeCompare(b)),
    );
  });

  test.each(CASES)("$file", async (c) => {
    const { result, diagnostics } = await validateJson(c.file);
    expect(
      diagnostics.map((e) => {
        const l = e.location as { file: string; line: number; column: number };
        return { code: e.code, at: `${l.file}:${l.line}:${l.column}`, message: e.message, hint: e.hint };
      }),
    ).toEqual(c.diagnostics);
    expect(result.exitCode).toBe(3);
    // The frame points at the key: the caret sits on the reported column of the reported line.
    for (const e of diagnostics) {
      const { line, column } = e.location as { line: number; column: number };
      const lines = String(e.frame).split("\n");
      const faulty = lines.find((l) => l.startsWith(`> ${line} |`)) ?? "";
      const caret = lines.at(-1) ?? "";
      expect(caret.indexOf("^") - (faulty.indexOf("| ") + 2) + 1).toBe(column);
    }
    const human = await runCli(["validate", c.file], { cwd: BAD });
    expect(human.exitCode).toBe(3);
    expect(human.stderr).not.toMatch(STACK_LINE);
    for (const d of c.diagnostics)
      expect(human.stderr).toContain(`${d.at} error ${d.code}\n  ${d.message}\n`);
  });

  test("the rendered output: location, code frame at the key, hint", async () => {
    const human = await runCli(["validate", "resources-image-id.yaml"], { cwd: BAD });
    expect(human.stderr).toBe(
      [
        "resources-image-id.yaml:7:5 error RHX_SKY_PASSTHROUGH_MODELLED",
        "  `sky.resources.image_id` would override what rhx sets from `image_id`, after validate and pre-flight checked that.",
        "    6 |     disk_tier: high",
        "  > 7 |     image_id: docker:evil/image:1",
        "      |     ^^^^^^^^",
        "  hint: Use `image_id` instead, and remove `sky.resources.image_id`.",
        "",
        "✗ 1 error.",
        "",
      ].join("\n"),
    );
  });

  test("what rhx does not model passes: examples/gpu-multinode.yaml's disk_tier and retry_until_up", async () => {
    const result = await runCli(["validate", "--json", "examples/gpu-multinode.yaml"]);
    expect(events(result.stdout).filter((e) => e.type === "diagnostic")).toEqual([]);
    expect(result.exitCode).toBe(0);
  });

  test("every launch option that passes validate becomes a flag the driver accepts", () => {
    // The driver keeps its own guard for options it sets; validate must refuse all of them first.
    const driverOwned = [
      "cluster",
      "yes",
      "detach_run",
      "dryrun",
      "env",
      "env_file",
      "secret",
      "secret_file",
      "async",
    ];
    const refusedByDriver = SKY_LAUNCH_OPTIONS.filter((option) => {
      try {
        launchPassthroughFlags({ [option]: true });
        return false;
      } catch {
        return true;
      }
    });
    expect(refusedByDriver.filter((option) => !driverOwned.includes(option))).toEqual([]);
    expect(SKY_RESOURCES_KEYS).toContain("disk_tier");
  });
});
