import { ClusterSchema, PROVIDERS } from "../config/schema.ts";
import { closest } from "../config/suggest.ts";
import { resolveImage } from "../image/reference.ts";
import { escapeControl } from "../ui/escape.ts";

/**
 * Each answer of `rhx init` (a flag or what was typed at the prompt) is checked on its own, with the
 * rules `rhx validate` applies to the same field, so a bad one is refused before anything is written
 * and, on a terminal, asked again at once.
 */
export type Checked = { ok: true; value: string } | { ok: false; message: string; hint: string };

const NAME_RULE = ClusterSchema.properties.name as unknown as { pattern: string; maxLength: number };

export function checkName(text: string): Checked {
  const name = text.trim();
  if (new RegExp(NAME_RULE.pattern).test(name) && name.length <= NAME_RULE.maxLength)
    return { ok: true, value: name };
  return {
    ok: false,
    message: `${quoted(name)} is not a usable cluster name.`,
    hint: `Use letters, digits and '-' (at most ${NAME_RULE.maxLength}), starting with a letter: my-cluster.`,
  };
}

export function checkProvider(text: string): Checked {
  const provider = text.trim();
  if ((PROVIDERS as readonly string[]).includes(provider)) return { ok: true, value: provider };
  const near = closest(provider, PROVIDERS);
  return {
    ok: false,
    message: `${quoted(provider)} is not a provider rhx knows.`,
    hint: `${near ? `Did you mean ${near}? ` : ""}One of: ${PROVIDERS.join(", ")}.`,
  };
}

/** `docker:<image>` or a plain reference, read by the same parser `rhx validate` uses for image_id. */
export function checkImage(text: string): Checked {
  const image = text.trim();
  const resolved = resolveImage(image);
  if (resolved.ok) return { ok: true, value: image.startsWith("docker:") ? image : `docker:${image}` };
  return {
    ok: false,
    message: `${quoted(image)} is not an image reference: ${resolved.message}`,
    hint: resolved.hint ?? "For example nvcr.io/nvidia/pytorch:23.10-py3 or docker:rhx/runhouse:0.0.36.",
  };
}

/** The Runhouse forms are checked by `rhx validate`'s rules on the whole starter; here, the shape. */
export function checkInstanceType(text: string): Checked {
  const value = text.trim();
  if (/^[A-Za-z0-9][A-Za-z0-9:.+_-]*$/.test(value) && value.length <= 64) return { ok: true, value };
  return {
    ok: false,
    message: `${quoted(value)} is not an instance type.`,
    hint: "Runhouse forms: CPU:2+, A10G:1, m5.xlarge, 1CPU--1GB.",
  };
}

/** The answer as the user gave it, with anything that would drive the terminal made visible. */
function quoted(text: string): string {
  return `"${escapeControl(text.length > 80 ? `${text.slice(0, 80)}…` : text)}"`;
}
