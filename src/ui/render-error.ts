import { docLink, type ErrorCode } from "../errors/codes.ts";
import type { SourceLocation } from "../errors/rhx-error.ts";
import { escapeMessage } from "./escape.ts";
import type { Colors } from "./output.ts";
import { formatLocation } from "./render-diagnostic.ts";

/** What a person is shown of an error: an RhxError, or a failure rhx describes in those terms. */
export interface ErrorReport {
  code: ErrorCode;
  message: string;
  hint?: string | undefined;
  location?: SourceLocation | undefined;
}

/**
 * The one human form of an error, wherever it ends a command or a cluster's apply:
 *
 *   [dev] error RHX_LOCKED
 *     Another rhx (pid 4242) is applying dev.
 *     hint: Wait for it to finish, or `rhx unlock dev` if it died.
 *     docs: docs/errors.md#rhx_locked
 *
 * `cluster` names the cluster when the failure is one cluster's among several.
 */
export function renderError(error: ErrorReport, colors: Colors, cluster?: string): string {
  const where = formatLocation(error.location);
  const lines = [
    `${cluster === undefined ? "" : `[${cluster}] `}${where ? `${where} ` : ""}${colors.red("error")} ${colors.dim(error.code)}`,
    // Messages quote user text (a name, a path, a setup command): the terminal must not act on it.
    `  ${escapeMessage(error.message)}`,
  ];
  if (error.hint) lines.push(`  ${colors.cyan("hint:")} ${escapeMessage(error.hint)}`);
  lines.push(`  ${colors.dim(`docs: ${docLink(error.code)}`)}`);
  return lines.join("\n");
}
