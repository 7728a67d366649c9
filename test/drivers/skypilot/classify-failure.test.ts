import { describe, expect, it } from "vitest";
import { classifySkyFailure } from "../../../src/drivers/skypilot/classify-failure.ts";

const CAPACITY = {
  exitCode: 1,
  stdout: [
    "YAML to run: /tmp/rhx-task.yaml",
    "Running on cluster: rhx-demo",
    "⚙︎ Launching on AWS us-east-1 (us-east-1a).",
    "⨯ Failed to provision resources. View logs: sky api logs -l sky-2025-06-01-10-00-00-000000/provision.log",
  ].join("\n"),
  stderr: [
    "sky.exceptions.ResourcesUnavailableError: Failed to provision all possible launchable resources. Relax the task's resource requirements: 1x AWS(p4d.24xlarge, {'A100': 8})",
    "To keep retrying until the cluster is up, use the `--retry-until-up` flag.",
    "Reasons for provision failures (for details, please check the log above):",
    "  AWS(p4d.24xlarge, {'A100': 8}): Failed to acquire resources in all zones in us-east-1.",
  ].join("\n"),
};

const DOCKER_STDOUT = [
  "YAML to run: /tmp/rhx-task.yaml",
  "Running on cluster: rhx-demo",
  "⚙︎ Launching on AWS us-east-1 (us-east-1a).",
  "└── Instance is up.",
  "⨯ Failed to set up SkyPilot runtime on cluster.  View logs: sky api logs -l sky-2025-06-01/provision.log",
].join("\n");

describe("classifySkyFailure", () => {
  it("returns undefined for a success", () => {
    expect(
      classifySkyFailure({ exitCode: 0, stdout: "✓ Cluster launched: rhx-demo.", stderr: "" }),
    ).toBeUndefined();
    expect(
      classifySkyFailure({ exitCode: 0, stdout: "\nTerminating cluster rhx-demo...done.\n", stderr: "" }),
    ).toBeUndefined();
  });

  it("capacity: nothing left running", () => {
    expect(classifySkyFailure(CAPACITY)).toMatchObject({
      code: "RHX_SKY_NO_CAPACITY",
      clusterLeftBilled: false,
      detail: expect.stringMatching(/^sky\.exceptions\.ResourcesUnavailableError: Failed to provision/),
    });
    expect(classifySkyFailure(CAPACITY)?.message).toContain("rhx-demo");
  });

  it("catalog mismatch is also a capacity-class failure with its own message", () => {
    const f = classifySkyFailure({
      exitCode: 1,
      stdout: "",
      stderr:
        "sky.exceptions.ResourcesUnavailableError: Catalog does not contain any instances satisfying the request:\nTask<name=x>",
    });
    expect(f).toMatchObject({ code: "RHX_SKY_NO_CAPACITY" });
    expect(f?.message).toMatch(/No instance type/);
  });

  it("docker login failure (#3325 text): cluster left INIT and billed, next action named", () => {
    const f = classifySkyFailure({
      exitCode: 1,
      stdout: DOCKER_STDOUT,
      stderr: [
        "sky.exceptions.CommandError: Command docker login --username me --password ****** docker.io failed with return code 1.",
        "Failed to run docker setup commands.",
        'Error response from daemon: Get "https://registry-1.docker.io/v2/": unauthorized: incorrect username or password',
      ].join("\n"),
    });
    expect(f).toMatchObject({ code: "RHX_SKY_DOCKER_LOGIN", clusterLeftBilled: true });
    expect(f?.message).toContain(
      "the cluster rhx-demo is left INIT and billed; `rhx apply --yes` tears it down and relaunches, or `rhx down rhx-demo`",
    );
    expect(f?.message).toContain("unauthorized: incorrect username or password");
  });

  it("image not found (manifest unknown)", () => {
    const f = classifySkyFailure({
      exitCode: 1,
      stdout: DOCKER_STDOUT,
      stderr: [
        "sky.exceptions.CommandError: Command docker pull docker.io/me/app:9 failed with return code 1.",
        "Failed to run docker setup commands.",
        "Error response from daemon: manifest for docker.io/me/app:9 not found: manifest unknown: manifest unknown",
      ].join("\n"),
      cluster: "rhx-demo",
    });
    expect(f).toMatchObject({ code: "RHX_SKY_IMAGE_NOT_FOUND", clusterLeftBilled: true });
    expect(f?.hint).toContain("rhx down rhx-demo");
  });

  it("pull access denied and expired ECR tokens are login problems", () => {
    const denied = classifySkyFailure({
      exitCode: 1,
      stdout: DOCKER_STDOUT,
      stderr:
        "sky.exceptions.CommandError: Command docker pull x failed with return code 1.\nFailed to run docker setup commands.\nError response from daemon: pull access denied for me/private, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
    });
    expect(denied?.code).toBe("RHX_SKY_DOCKER_LOGIN");
    const expired = classifySkyFailure({
      exitCode: 1,
      stdout: DOCKER_STDOUT,
      stderr:
        "sky.exceptions.CommandError: Command docker pull 1.dkr.ecr.us-east-1.amazonaws.com/app failed with return code 1.\nFailed to run docker setup commands.\nError response from daemon: Your authorization token has expired. Reauthenticate and try again.",
    });
    expect(expired).toMatchObject({ code: "RHX_SKY_DOCKER_LOGIN" });
    expect(expired?.hint).toMatch(/12 hours/);
  });

  it("other runtime setup failures (#3706, apt in the container) leave the cluster billed", () => {
    const f = classifySkyFailure({
      exitCode: 1,
      stdout: DOCKER_STDOUT,
      stderr:
        "sky.exceptions.CommandError: Command sudo apt-get update; sudo apt-get install -y rsync curl wget patch openssh-server python3-pip fuse;... failed with return code 137.\nFailed to run docker setup commands.",
    });
    expect(f).toMatchObject({ code: "RHX_SKY_FAILED", clusterLeftBilled: true });
  });

  it("resources mismatch on relaunch", () => {
    const f = classifySkyFailure({
      exitCode: 1,
      stdout: "YAML to run: /tmp/t.yaml\nRunning on cluster: rhx-demo\n",
      stderr:
        "sky.exceptions.ResourcesMismatchError: Requested resources do not match the existing cluster.\n  Requested:\t{1x AWS(m6i.2xlarge, image_id={'us-east-1': 'docker:b'})}\n  Existing:\t1x AWS(m6i.2xlarge, image_id={'us-east-1': 'docker:a'})\nTo fix: specify a new cluster name, or down the existing cluster first: sky down rhx-demo",
    });
    expect(f).toMatchObject({ code: "RHX_SKY_RESOURCES_MISMATCH", clusterLeftBilled: false });
    expect(f?.hint).toContain("rhx apply --yes");
  });

  it("API server unreachable", () => {
    const f = classifySkyFailure({
      exitCode: 1,
      stdout: "",
      stderr:
        "sky.exceptions.ApiServerConnectionError: Could not connect to SkyPilot API server at http://10.0.0.5:46580. Please ensure that the server is running. Try: curl http://10.0.0.5:46580/api/health",
    });
    expect(f).toMatchObject({ code: "RHX_SKY_API_UNREACHABLE" });
    expect(f?.message).toContain("http://10.0.0.5:46580");
  });

  it("job failure (exit 100) and the other job exit codes", () => {
    const f = classifySkyFailure({
      exitCode: 100,
      stdout:
        "⚙︎ Job submitted, ID: 3\n(task, pid=1234) boom\nERROR: Job 3 failed with return code list: [1]\n",
      stderr: "",
      cluster: "rhx-demo",
    });
    expect(f).toMatchObject({ code: "RHX_SKY_JOB_FAILED", clusterLeftBilled: false });
    expect(f?.message).toBe("The job 3 on rhx-demo failed (return codes [1]).");
    expect(f?.hint).toBe("See its output with `sky logs rhx-demo 3`; the cluster itself is up.");
    expect(classifySkyFailure({ exitCode: 101, stdout: "Job 3: RUNNING", stderr: "" })?.message).toMatch(
      /has not finished/,
    );
    expect(classifySkyFailure({ exitCode: 103, stdout: "Job 3: CANCELLED", stderr: "" })?.message).toMatch(
      /was cancelled/,
    );
  });

  it("usage errors (exit 2): unknown flag, unset env var", () => {
    const flag = classifySkyFailure({
      exitCode: 2,
      stdout: "",
      stderr:
        "Usage: sky launch [OPTIONS] [ENTRYPOINT]...\nTry 'sky launch -h' for help.\n\nError: No such option: --secret\n",
    });
    expect(flag).toMatchObject({ code: "RHX_SKY_USAGE" });
    expect(flag?.message).toContain("No such option: --secret");
    const unset = classifySkyFailure({
      exitCode: 2,
      stdout: "",
      stderr:
        "Usage: sky launch [OPTIONS] [ENTRYPOINT]...\nTry 'sky launch -h' for help.\n\nError: SKYPILOT_DOCKER_PASSWORD is not set in local environment.\n",
    });
    expect(unset?.message).toContain("SKYPILOT_DOCKER_PASSWORD");
    expect(unset?.hint).toMatch(/\.env/);
  });

  it("task validation errors are usage errors", () => {
    for (const stderr of [
      "ValueError: Invalid task YAML: Found unsupported field 'secrets'.",
      "ValueError: Invalid resources YAML: Instead of 'infr', did you mean 'infra'?",
      "ValueError: Docker login variables must be specified together in secrets. Missing from secrets: ['SKYPILOT_DOCKER_SERVER']",
      "ValueError: If any of SKYPILOT_DOCKER_USERNAME, SKYPILOT_DOCKER_PASSWORD, SKYPILOT_DOCKER_SERVER is set, all of them must be set. Missing envs: {'SKYPILOT_DOCKER_SERVER'}",
    ]) {
      const f = classifySkyFailure({ exitCode: 1, stdout: "YAML to run: /tmp/t.yaml\n", stderr });
      expect(f?.code).toBe("RHX_SKY_USAGE");
      expect(f?.message).not.toMatch(/^SkyPilot rejected the task rhx generated: ValueError/);
    }
  });

  it("a declined prompt is an rhx bug", () => {
    expect(
      classifySkyFailure({
        exitCode: 1,
        stdout: "Launching a new cluster 'x'. Proceed? [Y/n]: ",
        stderr: "Aborted!\n",
      }),
    ).toMatchObject({
      code: "RHX_SKY_USAGE",
    });
  });

  it("exec on a cluster that is not UP, or does not exist", () => {
    const init = classifySkyFailure({
      exitCode: 1,
      stdout: "Submitting job to cluster: rhx-demo\n",
      stderr:
        "sky.exceptions.ClusterNotUpError: Executing tasks: skipped for cluster 'rhx-demo' (status: INIT). It is only allowed for UP clusters. Wait for a launch to finish, or use this command to try to transition the cluster to UP: sky start rhx-demo",
    });
    expect(init).toMatchObject({ code: "RHX_SKY_FAILED", clusterLeftBilled: true });
    expect(init?.message).toBe("The cluster rhx-demo is INIT, so it cannot run commands.");
    const missing = classifySkyFailure({
      exitCode: 1,
      stdout: "",
      stderr: "sky.exceptions.ClusterDoesNotExist: Cluster 'rhx-demo' does not exist.",
    });
    expect(missing?.message).toBe("SkyPilot has no cluster named rhx-demo.");
  });

  it("`sky down` that exits 0 but failed (FAKE_SKY_DOWN_FAILS text)", () => {
    const f = classifySkyFailure({
      exitCode: 0,
      stdout: [
        "",
        "Terminating cluster rhx-demo...failed. ",
        "Reason: RuntimeError: Failed to terminate instances.",
        "Cluster(s) failed. See details above. If you want to ignore the errors and remove the cluster(s) from the status table, use `sky down --purge`.",
      ].join("\n"),
      stderr: "",
    });
    expect(f).toMatchObject({ code: "RHX_SKY_FAILED", clusterLeftBilled: true });
    expect(f?.message).toContain("RuntimeError: Failed to terminate instances.");
    expect(f?.hint).toContain("sky down --purge rhx-demo");
  });

  it("an interrupted launch may still be provisioning", () => {
    const f = classifySkyFailure({
      exitCode: 130,
      stdout:
        "Running on cluster: rhx-demo\n⚙︎ Request will continue running asynchronously.\n└── To cancel the request, run: sky api cancel 1a2b3c4d\n",
      stderr: "",
    });
    expect(f).toMatchObject({ code: "RHX_SKY_FAILED", clusterLeftBilled: true });
    expect(f?.hint).toContain("sky api cancel 1a2b3c4d");
    expect(f?.hint).toContain("rhx down rhx-demo");
  });

  it("cloud not enabled points at `sky check`", () => {
    const f = classifySkyFailure({
      exitCode: 1,
      stdout: "",
      stderr:
        "sky.exceptions.ResourcesUnavailableError: Task requires GCP which is not enabled. To enable access, change the task cloud requirement or run: sky check gcp",
    });
    expect(f).toMatchObject({ code: "RHX_SKY_FAILED" });
    expect(f?.hint).toContain("sky check gcp");
  });

  it("anything else: generic failure with the exception line", () => {
    const f = classifySkyFailure({ exitCode: 1, stdout: "", stderr: "RuntimeError: something odd\n" });
    expect(f).toMatchObject({
      code: "RHX_SKY_FAILED",
      clusterLeftBilled: false,
      detail: "RuntimeError: something odd",
    });
  });
});
