// A missing `ssh` is named as such, from both places the SkyPilot driver runs it (server start, `rhx ssh`).
import { describe, expect, it } from "vitest";
import { sshNotFound } from "../../../src/drivers/skypilot/exec.ts";
import { RhxError } from "../../../src/errors/rhx-error.ts";

function caught(run: () => never): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("sshNotFound", () => {
  const missing = new RhxError({ code: "RHX_COMMAND_NOT_FOUND", message: "`ssh` was not found on PATH." });

  it("turns a missing command into RHX_SSH_NOT_FOUND (exit 1), ending the sentence with why", () => {
    const error = caught(() => sshNotFound("; rhx starts the Runhouse server over ssh")(missing));
    expect(error).toMatchObject({
      code: "RHX_SSH_NOT_FOUND",
      exitCode: 1,
      message: "`ssh` (an OpenSSH client) was not found on PATH; rhx starts the Runhouse server over ssh.",
    });
    expect((error as RhxError).hint).toContain("openssh-client");
    expect(caught(() => sshNotFound()(missing))).toMatchObject({
      message: "`ssh` (an OpenSSH client) was not found on PATH.",
    });
  });

  it("passes any other failure through untouched", () => {
    const other = new RhxError({ code: "RHX_STEP_TIMEOUT", message: "took too long" });
    expect(caught(() => sshNotFound()(other))).toBe(other);
    const plain = new Error("boom");
    expect(caught(() => sshNotFound()(plain))).toBe(plain);
  });
});
