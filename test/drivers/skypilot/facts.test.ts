// rhx against SkyPilot's own facts, version by version (test/fixtures/skypilot-facts): the flags it
// detects from each version's `--help`, every task YAML it writes for every example validated by that
// version's schema, and every `sky` command line it builds parsed against that version's options.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ClusterSpec } from "../../../src/config/cluster.ts";
import { loadClusters } from "../../../src/config/load.ts";
import { cancelJobArgs, execArgs } from "../../../src/drivers/skypilot/exec.ts";
import {
  featuresFromHelp,
  HELP_COMMANDS,
  type HelpAnswers,
  helpOptions,
} from "../../../src/drivers/skypilot/help-features.ts";
import { API_STATUS_ARGS, apiCancelArgs, launchCommand } from "../../../src/drivers/skypilot/launch.ts";
import { autostopArgs, downArgs } from "../../../src/drivers/skypilot/lifecycle.ts";
import { statusArgs } from "../../../src/drivers/skypilot/status.ts";
import { execTask } from "../../../src/drivers/skypilot/task-yaml.ts";
import { parseSkyVersion, type SkyFeatures, skyFeatures } from "../../../src/drivers/skypilot/version.ts";
import { Redactor } from "../../../src/secrets/redactor.ts";
import { ROOT } from "../../helpers/run-cli.ts";
import { argvProblems, cliFacts, ERAS, eraHelp, eraValidators, type Param } from "./facts-support.ts";

/** What `sky X --help` answers in an era: the fake's text from the facts, or click's "No such command". */
function answers(era: string): HelpAnswers {
  const facts = cliFacts(era);
  const result: HelpAnswers = {};
  for (const [name, argv] of Object.entries(HELP_COMMANDS)) {
    const command = argv.filter((a) => a !== "--help").join(" ");
    result[name as keyof HelpAnswers] = facts.commands[command]
      ? { exitCode: 0, stdout: eraHelp(era, command) }
      : { exitCode: 2, stdout: "" };
  }
  return result;
}

function detected(era: (typeof ERAS)[number]) {
  const version = parseSkyVersion(`skypilot, version ${era.version}`);
  if (!version) throw new Error(era.version);
  return { version, features: featuresFromHelp(version, answers(era.era)) };
}

describe("features detected from each version's --help", () => {
  const table = Object.fromEntries(
    ERAS.map((era) => {
      const { features } = detected(era);
      const { source: _source, jobExitCodes: _codes, ...flags } = features;
      return [era.era, flags];
    }),
  );

  it("match what each version's source has", () => {
    const row = (
      secretFlag: boolean,
      infraFlag: boolean,
      jsonOutput: boolean,
      apiServer: boolean,
      apiCancelYes: boolean,
      detachSetup: boolean,
    ) => ({ secretFlag, infraFlag, jsonOutput, checkJson: jsonOutput, apiServer, apiCancelYes, detachSetup });
    expect(table).toEqual({
      "0.8.0": row(false, false, false, false, false, true),
      "0.9.3": row(false, false, false, true, false, false),
      "0.10.0": row(true, true, false, true, false, false),
      "0.10.0-early": row(false, true, false, true, false, false),
      "0.10.3": row(true, true, false, true, false, false),
      "0.11.2": row(true, true, false, true, true, false),
      master: row(true, true, true, true, true, false),
    });
  });

  it("a nightly version string still gets its flags from --help", () => {
    const master = ERAS.find((e) => e.era === "master");
    expect(master?.version).toMatch(/\.dev\d+$/);
    expect(master && detected(master).features).toMatchObject({ source: "help", jsonOutput: true });
  });

  it("helpOptions reads every visible option of a click help text", () => {
    for (const era of ERAS) {
      const facts = cliFacts(era.era);
      const visible = (facts.commands.launch as { params: Param[] }).params
        .filter((p) => p.kind === "option" && !p.hidden)
        .flatMap((p) => [...p.opts, ...p.secondary_opts]);
      const byText = (a: string, b: string) => a.localeCompare(b);
      expect([...(helpOptions(eraHelp(era.era, "launch")) ?? [])].sort(byText), era.era).toEqual(
        [...visible, "-h", "--help"].sort(byText),
      );
    }
    expect(helpOptions("Usage: sky [OPTIONS]\nError: No such command 'api'.")).toBeUndefined();
  });

  it("without readable help the version is the guess: never -o json, --secret from 0.10.3", () => {
    const guess = (v: string) => skyFeatures(parseSkyVersion(v) ?? parseSkyVersion("0.0.0")!);
    expect(guess("0.10.0")).toMatchObject({ secretFlag: false, infraFlag: true, source: "version" });
    expect(guess("0.10.3").secretFlag).toBe(true);
    expect(guess("0.12.1").jsonOutput).toBe(false);
    expect(guess("0.8.0").apiServer).toBe(false);
    expect(guess("0.9.3").apiServer).toBe(true);
    const v = parseSkyVersion("0.11.2");
    expect(v && featuresFromHelp(v, { launch: { exitCode: 1, stdout: "boom" } }).source).toBe("version");
  });
});

const EXAMPLE_ENV = {
  SKYPILOT_DOCKER_USERNAME: "AWS",
  SKYPILOT_DOCKER_PASSWORD: "not-a-real-password",
  SKYPILOT_DOCKER_SERVER: "763104351884.dkr.ecr.us-east-1.amazonaws.com",
};
const EXAMPLES = readdirSync(join(ROOT, "examples")).filter((f) => f.endsWith(".yaml"));

async function exampleSpec(file: string): Promise<ClusterSpec> {
  const path = join(ROOT, "examples", file);
  const private_ = readFileSync(path, "utf8").includes("SKYPILOT_DOCKER");
  const result = await loadClusters({
    redactor: new Redactor(),
    files: [path],
    processEnv: private_ ? { ...EXAMPLE_ENV } : {},
    unsetVariables: "error",
  });
  const cluster = result.clusters[0];
  if (!cluster) throw new Error(`no cluster in ${file}`);
  return cluster.spec;
}

/** Every `sky` argv rhx builds for a cluster, by subcommand. */
function argvs(spec: ClusterSpec, features: SkyFeatures, info: ReturnType<typeof detected>) {
  const exec = execTask(spec, "true", features, { name: "rhx-exec", numNodes: spec.num_nodes });
  const list: Array<[string, string[]]> = [
    ["launch", launchCommand(spec, info, "/tmp/t.yaml").args],
    ["exec", execArgs(spec.name, exec.flags, "/tmp/t.yaml")],
    ["status", statusArgs(features, spec.name)],
    ["down", downArgs(spec.name)],
    ["autostop", autostopArgs(spec)],
    ["autostop", autostopArgs({ ...spec, autostop_mins: -1 })],
    ["cancel", cancelJobArgs(spec.name, "3")],
  ];
  if (features.apiServer)
    list.push(["api cancel", apiCancelArgs(["0123abcd"])], ["api status", API_STATUS_ARGS.slice()]);
  return list;
}

/** Strips the subcommand words so the rest is what click parses against its options. */
function rest(command: string, argv: string[]): string[] {
  return argv.slice(command.split(" ").length);
}

function schemaProblems(era: string, task: Record<string, unknown>): unknown[] {
  const v = eraValidators(era);
  const problems: unknown[] = [];
  if (!v.task(task)) problems.push(...(v.task.errors ?? []));
  if (task.resources !== undefined && !v.resources(task.resources))
    problems.push(...(v.resources.errors ?? []));
  return problems;
}

describe.each(ERAS.map((e) => [e.era, e] as const))("SkyPilot %s", (_name, era) => {
  const info = detected(era);
  const facts = cliFacts(era.era);

  it.each(EXAMPLES)("examples/%s: the launch and exec tasks validate against its schema", async (file) => {
    const spec = await exampleSpec(file);
    const launch = launchCommand(spec, info, "/tmp/t.yaml");
    const task = (await import("yaml")).parse(launch.yaml) as Record<string, unknown>;
    expect(schemaProblems(era.era, task)).toEqual([]);
    const exec = execTask(spec, "echo hi", info.features, { name: "rhx-exec", numNodes: spec.num_nodes });
    expect(schemaProblems(era.era, exec.task)).toEqual([]);
  });

  it.each(EXAMPLES)("examples/%s: every sky command line parses against its options", async (file) => {
    const spec = await exampleSpec(file);
    for (const [command, argv] of argvs(spec, info.features, info))
      expect(argvProblems(facts, command, rest(command, argv)), `sky ${argv.join(" ")}`).toEqual([]);
  });
});

describe("a wrong gate fails these checks", () => {
  it("--secret and secrets: guessed for the early 0.10.0 build are refused by its facts", async () => {
    const early = ERAS.find((e) => e.era === "0.10.0-early");
    if (!early) throw new Error("no 0.10.0-early era");
    const info = detected(early);
    const wrong = { ...info, features: { ...info.features, secretFlag: true } };
    const spec = await exampleSpec("ecr-private.yaml");
    const launch = launchCommand(spec, wrong, "/tmp/t.yaml");
    const task = (await import("yaml")).parse(launch.yaml) as Record<string, unknown>;
    expect(schemaProblems(early.era, task)).not.toEqual([]);
    expect(argvProblems(cliFacts(early.era), "launch", rest("launch", launch.args))).toContain(
      "No such option: --secret",
    );
  });

  it("-o json guessed for 0.11.2, and api cancel -y before 0.11, are refused", () => {
    expect(argvProblems(cliFacts("0.11.2"), "status", ["-o", "json", "c"])).toEqual(["No such option: -o"]);
    expect(argvProblems(cliFacts("0.10.3"), "api cancel", ["-y", "0123abcd"])).toEqual([
      "No such option: -y",
    ]);
    expect(cliFacts("0.8.0").commands["api cancel"]).toBeUndefined();
  });
});
