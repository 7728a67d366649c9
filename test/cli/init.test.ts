import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.ts";

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
      (await runCli(["init", "--name", "Bad_Name", "--provider", "local", "--image", "a/b:1"], { cwd: dir }))
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
