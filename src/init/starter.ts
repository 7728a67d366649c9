import { PROVIDERS } from "../config/schema.ts";

export interface StarterAnswers {
  name: string;
  provider: string;
  image: string;
  instanceType?: string | undefined;
  /** Relative path from the new file to the published schema, for the editor modeline. */
  schemaRef: string;
}

/** A commented starter cluster.yaml: every line says what it does and what else it could say. */
export function starterConfig(answers: StarterAnswers): string {
  const image = answers.image.startsWith("docker:") ? answers.image : `docker:${answers.image}`;
  const local = answers.provider === "local";
  const lines = [
    `# yaml-language-server: $schema=${answers.schemaRef}`,
    "# A Runhouse cluster in a Docker container. `rhx apply` makes it real; `rhx plan` shows what would change.",
    commented(`name: ${answers.name}`, "also the container / SkyPilot cluster name"),
    commented(`provider: ${answers.provider}`, `${PROVIDERS.slice(0, 6).join(" | ")} | …`),
  ];
  if (!local) {
    lines.push(
      commented(
        `instance_type: ${answers.instanceType ?? "CPU:2+"}`,
        "CPU:2+ | A10G:1 | m5.xlarge | 1CPU--1GB",
      ),
    );
    lines.push(commented("autostop_mins: 60", "tear down after an hour idle; -1 = never"));
  }
  lines.push(
    `image_id: ${image}`,
    "# Private registry? Set SKYPILOT_DOCKER_USERNAME / _PASSWORD / _SERVER in .env (not committed), or:",
    "# docker:",
    "#   username: ${SKYPILOT_DOCKER_USERNAME}",
    "#   password: ${SKYPILOT_DOCKER_PASSWORD}",
    "#   server: ${SKYPILOT_DOCKER_SERVER}",
    commented("env: {}", "variables for setup commands and the server"),
    commented("setup: []", "shell commands run in the container, in order"),
    "runhouse:",
    '  version: "0.0.36"',
    "server:",
    "  port: 32300",
    "",
  );
  return lines.join("\n");
}

function commented(line: string, comment: string): string {
  return `${line.padEnd(36)} # ${comment}`;
}

export function isValidName(name: string): boolean {
  return /^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name) && name.length <= 63;
}
