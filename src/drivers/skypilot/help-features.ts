/**
 * Which optional flags an installed `sky` has, read from its subcommands' `--help` (click prints every
 * option there). Versions are a poor guide: two builds both calling themselves 0.10.0 differ on
 * `--secret`, and `-o json` is on master but in no release known to rhx. Pure: the caller runs `sky`.
 */
import { stripVTControlCharacters } from "node:util";
import { type SkyFeatures, type SkyVersion, skyFeatures } from "./version.ts";

/** The `--help` calls detection needs; each answer is stdout plus the exit code. */
export const HELP_COMMANDS = {
  launch: ["launch", "--help"],
  status: ["status", "--help"],
  check: ["check", "--help"],
  apiCancel: ["api", "cancel", "--help"],
} as const;

export type HelpName = keyof typeof HELP_COMMANDS;
export type HelpAnswers = Partial<Record<HelpName, { exitCode: number; stdout: string }>>;

/**
 * The option names in a click help text: the first column of each indented line that starts with a
 * dash (`  -c, --cluster CLUSTER  …`, `  --use-spot / --no-use-spot`). Undefined without an Options
 * section (not a help text at all).
 */
export function helpOptions(text: string): Set<string> | undefined {
  const lines = stripVTControlCharacters(text).split(/\r?\n/);
  if (!lines.some((line) => /^Options:\s*$/.test(line))) return undefined;
  const names = new Set<string>();
  for (const line of lines) {
    const column = /^\s+(-.*?)(?:\s{2,}|$)/.exec(line)?.[1];
    if (column === undefined) continue;
    for (const m of column.matchAll(/(?:^|[\s,/])(--?[A-Za-z0-9][-A-Za-z0-9_]*)/g)) names.add(m[1] as string);
  }
  return names;
}

/** Features from the help texts; each one whose help is missing falls back to the version's guess. */
export function featuresFromHelp(version: SkyVersion, answers: HelpAnswers): SkyFeatures {
  const guess = skyFeatures(version);
  const options = (name: HelpName) => {
    const answer = answers[name];
    return answer && answer.exitCode === 0 ? helpOptions(answer.stdout) : undefined;
  };
  const launch = options("launch");
  // Without launch's help nothing was really read: the version's guess, labelled as such.
  if (launch === undefined) return guess;
  const status = options("status");
  const check = options("check");
  const apiCancelAnswer = answers.apiCancel;
  const apiCancel = options("apiCancel");
  return {
    jsonOutput: status ? status.has("--output") : guess.jsonOutput,
    checkJson: check ? check.has("--output") : guess.checkJson,
    secretFlag: launch.has("--secret"),
    infraFlag: launch.has("--infra"),
    detachSetup: launch.has("--detach-setup"),
    // click's "No such command 'api'." is a usage error (exit 2): there is no API server to cancel on.
    apiServer: apiCancel !== undefined || (apiCancelAnswer === undefined ? guess.apiServer : false),
    apiCancelYes: apiCancel ? apiCancel.has("--yes") : false,
    jobExitCodes: guess.jobExitCodes,
    source: "help",
  };
}
