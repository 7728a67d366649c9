import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { askAnswers } from "../../src/cli/commands/init.ts";
import { starterConfig } from "../../src/init/starter.ts";
import { ensureBuilt, runBuiltCli, runCli, STACK_LINE } from "../helpers/run-cli.ts";

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "rhx-init-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("rhx init", () => {
  it("writes a commented starter with the schema modeline that validates", async () => {
    const result = await runCli(
      ["init", "--name", "dev", "--provider", "aws", "--image", "nvcr.io/nvidia/pytorch:23.10-py3"],
      {
        cwd: dir,
      },
    );
    expect(result.exitCode, result.stderr).toBe(0);
    const text = await readFile(join(dir, "cluster.yaml"), "utf8");
    expect(text.split("\n")[0]).toMatch(/^# yaml-language-server: \$schema=.*runhouse\.schema\.json$/);
    expect(text).toContain("image_id: docker:nvcr.io/nvidia/pytorch:23.10-py3");
    expect(text).toContain("instance_type: CPU:2+");
    expect(text).toContain("#   password: ${SKYPILOT_DOCKER_PASSWORD}");
    const validate = await runCli(["validate"], { cwd: dir });
    expect(validate.exitCode, validate.stderr).toBe(0);
  });

  it("a local starter has no cloud-only keys and validates without warnings", async () => {
    await runCli(["init", "--name", "dev", "--provider", "local", "--image", "rhx/runhouse:0.0.36"], {
      cwd: dir,
    });
    const text = await readFile(join(dir, "cluster.yaml"), "utf8");
    expect(text).not.toContain("instance_type");
    const validate = await runCli(["validate"], { cwd: dir });
    expect(validate.exitCode).toBe(0);
    expect(validate.stderr).not.toContain("warning");
  });

  it("refuses to overwrite an existing file (exit 64), leaving it as it was", async () => {
    await writeFile(join(dir, "cluster.yaml"), "mine\n");
    const result = await runCli(["init", "--name", "dev", "--provider", "local", "--image", "a/b:1"], {
      cwd: dir,
    });
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toContain("RHX_INIT_EXISTS");
    expect(await readFile(join(dir, "cluster.yaml"), "utf8")).toBe("mine\n");
  });

  it("without a terminal, names the flags it needs (exit 64) and writes nothing", async () => {
    const result = await runCli(["init", "--name", "dev"], { cwd: dir });
    expect(result.exitCode).toBe(64);
    expect(result.stderr).toContain("--provider, --image");
    await expect(readFile(join(dir, "cluster.yaml"), "utf8")).rejects.toThrow();
  });

  it("rejects an unusable name or provider", async () => {
    expect(
      (await runCli(["init", "--name", "Bad Name", "--provider", "local", "--image", "a/b:1"], { cwd: dir }))
        .exitCode,
    ).toBe(64);
    expect(
      (await runCli(["init", "--name", "ok", "--provider", "awz", "--image", "a/b:1"], { cwd: dir }))
        .exitCode,
    ).toBe(64);
  });

  it("writes to another file name, and reports it under --json", async () => {
    const result = await runCli(
      ["--json", "init", "other.yaml", "--name", "dev", "--provider", "local", "--image", "a/b:1"],
      {
        cwd: dir,
      },
    );
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toMatchObject({
      type: "file-written",
      path: join(dir, "other.yaml"),
    });
  });
});

const OK = {
  name: "dev",
  provider: "aws",
  image: "nvcr.io/nvidia/pytorch:23.10-py3",
  "instance-type": "CPU:2+",
};

/** argv for `rhx init` with one flag replaced. */
function initArgs(field: keyof typeof OK, value: string): string[] {
  const flags = { ...OK, [field]: value };
  return ["init", ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v])];
}

describe("rhx init checks every answer before writing anything", () => {
  const BAD: [keyof typeof OK, string, string][] = [
    ["image", "x\nsky: {launch: {x: 1}}", "is not an image reference"],
    ["image", "rhx/runhouse:0.0.36\nprovider: aws", "is not an image reference"],
    ["image", "UPPER/Case:1", "is not an image reference"],
    ["image", "a b:1", "is not an image reference"],
    ["image", "docker:", "is not an image reference"],
    ["image", "a/b:", "is not an image reference"],
    ["image", "a/b:1 # comment", "is not an image reference"],
    ["name", "Bad Name", "is not a usable cluster name"],
    ["name", "dev-", "is not a usable cluster name"],
    ["name", "dev\nprovider: gcp", "is not a usable cluster name"],
    ["name", "a".repeat(64), "is not a usable cluster name"],
    ["name", "ssh", "reserved by Runhouse"],
    ["provider", "awz", "Did you mean aws?"],
    ["provider", "aws\nsky: {}", "is not a provider rhx knows"],
    ["instance-type", "A10G", "no cloud has one by that name"],
    ["instance-type", "CPU:2+\nsky: {}", "is not an instance type"],
    ["instance-type", "CPU:lots", "asks for"],
  ];
  it.each(BAD)("--%s %j → exit 64, %s, no file", async (field, value, says) => {
    const result = await runCli(initArgs(field, value), { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(64);
    expect(result.stderr).toContain(says);
    expect(result.stderr).toContain(`--${field}:`);
    expect(result.stderr).not.toContain("RHX_INTERNAL");
    expect(await readdir(dir)).toEqual([]);
  });

  it("the starter is printed by the YAML library: an answer is one value, never extra keys", () => {
    const text = starterConfig({
      name: "dev",
      provider: "local",
      image: "docker:x\nsky: {launch: {x: 1}}",
      schemaRef: "../x\nsky: 1",
    });
    const value = parse(text) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual([
      "name",
      "provider",
      "image_id",
      "env",
      "setup",
      "runhouse",
      "server",
    ]);
    expect(value.image_id).toBe("docker:x\nsky: {launch: {x: 1}}");
    expect(text.split("\n")[0]).toBe("# yaml-language-server: $schema=../x sky: 1");
    expect(text).toContain("env: {} # variables for setup commands and the server");
  });
});

describe("rhx init onto a path it cannot use", () => {
  it("a directory that does not exist: exit 64, says so, creates nothing", async () => {
    const result = await runCli([...initArgs("name", "dev"), "missing/cluster.yaml"], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(64);
    expect(result.stderr).toContain("RHX_OUTPUT_DIR_MISSING");
    expect(result.stderr).toContain("the directory missing does not exist");
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(await readdir(dir)).toEqual([]);
  });

  it("a dangling symbolic link: exit 64, not written through", async () => {
    await symlink(join(dir, "elsewhere.yaml"), join(dir, "cluster.yaml"));
    const result = await runCli(initArgs("name", "dev"), { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(64);
    expect(result.stderr).toContain("RHX_OUTPUT_SYMLINK");
    expect(await readdir(dir)).toEqual(["cluster.yaml"]);
  });

  it("a file below a file: exit 64", async () => {
    await writeFile(join(dir, "plain"), "x");
    const result = await runCli([...initArgs("name", "dev"), "plain/cluster.yaml"], { cwd: dir });
    expect(result.exitCode, result.stderr).toBe(64);
    expect(result.stderr).toContain("plain is not a directory");
  });

  it("a directory it may not write (as nobody): RHX_OUTPUT_NOT_WRITABLE, exit 1", async () => {
    await ensureBuilt();
    const ro = join(dir, "ro");
    await mkdir(ro);
    await chmod(dir, 0o755);
    await chmod(ro, 0o555);
    const result = await runBuiltCli(initArgs("name", "dev"), { cwd: ro, uid: 65534, gid: 65534 });
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stderr).toContain("RHX_OUTPUT_NOT_WRITABLE");
    expect(result.stderr).toContain("permission denied");
    expect(result.stderr).not.toContain("RHX_INTERNAL");
  });
});

describe("rhx init on a terminal", () => {
  it("asks again at once after a bad answer, and takes the good one", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let said = "";
    output.on("data", (chunk: Buffer) => {
      said += chunk.toString();
    });
    const answers = askAnswers({}, { input, output }, new AbortController().signal);
    const lines = [
      "Bad Name",
      "ssh",
      "dev",
      "awz",
      "aws",
      "UPPER/x:1",
      "nvcr.io/nvidia/pytorch:23.10-py3",
      "A10G",
      "A10G:1",
    ];
    for (const line of lines) input.write(`${line}\n`);
    expect(await answers).toEqual({
      name: "dev",
      provider: "aws",
      image: "docker:nvcr.io/nvidia/pytorch:23.10-py3",
      instanceType: "A10G:1",
    });
    // Each question is asked again right after its bad answer, before the next question.
    const order = said.split("\n").filter((l) => /\(.*\): |is not|reserved|Did you mean|no cloud/.test(l));
    expect(order.join("\n")).toMatch(
      /Cluster name[\s\S]*"Bad Name" is not a usable[\s\S]*Cluster name[\s\S]*reserved by Runhouse[\s\S]*Cluster name[\s\S]*Provider[\s\S]*Did you mean aws[\s\S]*Provider[\s\S]*Docker image[\s\S]*not an image reference[\s\S]*Docker image[\s\S]*Instance type[\s\S]*no cloud has one[\s\S]*Instance type/,
    );
  });

  it("a flag answers its question, and is checked like an answer", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let said = "";
    output.on("data", (chunk: Buffer) => {
      said += chunk.toString();
    });
    const answers = askAnswers(
      { name: "Bad Name", provider: "local", image: "a/b:1" },
      { input, output },
      new AbortController().signal,
    );
    input.write("good\n");
    expect(await answers).toEqual({ name: "good", provider: "local", image: "docker:a/b:1" });
    expect(said).toContain('"Bad Name" is not a usable cluster name');
  });

  it("input that ends before every answer: RHX_INIT_NO_ANSWER (exit 64)", async () => {
    const input = new PassThrough();
    const answers = askAnswers({}, { input, output: new PassThrough() }, new AbortController().signal);
    input.end("dev\n");
    await expect(answers).rejects.toMatchObject({ code: "RHX_INIT_NO_ANSWER", exitCode: 64 });
  });
});
