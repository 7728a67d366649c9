import { Document, isMap, isScalar, type Node, type Pair, Scalar } from "yaml";
import { DEFAULTS, PROVIDERS } from "../config/schema.ts";

export interface StarterAnswers {
  name: string;
  provider: string;
  /** `docker:<image>` (checkImage adds the prefix). */
  image: string;
  instanceType?: string | undefined;
  /** Relative path from the new file to the published schema, for the editor modeline. */
  schemaRef: string;
}

/**
 * A commented starter cluster.yaml: every line says what it does and what else it could say. It is
 * built as a YAML document and printed by the YAML library, never by pasting answers into text, so
 * an answer is always one scalar value: it cannot add keys (`--image $'x\nsky: …'`) or break a line.
 */
export function starterConfig(answers: StarterAnswers): string {
  const local = answers.provider === "local";
  const doc = new Document({
    name: answers.name,
    provider: answers.provider,
    ...(local ? {} : { instance_type: answers.instanceType ?? "CPU:2+", autostop_mins: 60 }),
    image_id: answers.image,
    env: {},
    setup: [],
    runhouse: { version: quotedString(DEFAULTS.runhouseVersion) },
    server: { port: DEFAULTS.serverPort },
  });
  doc.commentBefore = [
    ` yaml-language-server: $schema=${oneLine(answers.schemaRef)}`,
    " A Runhouse cluster in a Docker container. `rhx apply` makes it real; `rhx plan` shows what would change.",
  ].join("\n");
  const note = (key: string, comment: string) => {
    const pair = pairOf(doc, key);
    if (pair?.value) (pair.value as Node).comment = ` ${comment}`;
  };
  note("name", "also the container / SkyPilot cluster name");
  note("provider", `${PROVIDERS.slice(0, 6).join(" | ")} | …`);
  note("instance_type", "CPU:2+ | A10G:1 | m5.xlarge | 1CPU--1GB");
  note("autostop_mins", "tear down after an hour idle; -1 = never");
  note("env", "variables for setup commands and the server");
  note("setup", "shell commands run in the container, in order");
  const env = pairOf(doc, "env");
  if (env && isScalar(env.key))
    env.key.commentBefore = [
      " Private registry? Set SKYPILOT_DOCKER_USERNAME / _PASSWORD / _SERVER in .env (not committed), or:",
      " docker:",
      "   username: ${SKYPILOT_DOCKER_USERNAME}",
      "   password: ${SKYPILOT_DOCKER_PASSWORD}",
      "   server: ${SKYPILOT_DOCKER_SERVER}",
    ].join("\n");
  for (const key of ["env", "setup"]) {
    const value = pairOf(doc, key)?.value as { flow?: boolean } | undefined;
    if (value) value.flow = true;
  }
  // The modeline must be the file's first line, with no blank line between the comments and `name`.
  return doc.toString({ lineWidth: 0 }).replace(/^((?:#.*\n)+)\n/, "$1");
}

function pairOf(doc: Document, key: string): Pair | undefined {
  const contents = doc.contents;
  if (!isMap(contents)) return undefined;
  return contents.items.find((p) => isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

function quotedString(value: string): Scalar {
  const scalar = new Scalar(value);
  scalar.type = Scalar.QUOTE_DOUBLE;
  return scalar;
}

/** A comment is one line per `#`: a path with a line break in it must not open a new line. */
function oneLine(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]/g, " ");
}
