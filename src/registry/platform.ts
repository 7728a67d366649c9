/**
 * Platform matching for multi-platform images (OCI image index / Docker manifest list), following
 * containerd's normalisation so `linux/arm64` matches an entry written `linux/arm64/v8`.
 */

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export const DEFAULT_PLATFORM = "linux/amd64";

/** Architecture aliases that `uname -m` and Debian use for the Go names registries store. */
const ARCH_ALIASES: Readonly<Record<string, Platform["architecture"]>> = {
  x86_64: "amd64",
  "x86-64": "amd64",
  aarch64: "arm64",
  armhf: "arm",
  armel: "arm",
  i386: "386",
};

/** Parses `os/arch[/variant]`; undefined when the text is not of that form. */
export function parsePlatform(text: string): Platform | undefined {
  const parts = text.trim().toLowerCase().split("/");
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9_.-]+$/.test(p))) return undefined;
  const [os = "", rawArch = "", variant] = parts;
  const architecture = ARCH_ALIASES[rawArch] ?? rawArch;
  const platform: Platform = { os, architecture };
  const implied = rawArch === "armhf" ? "v7" : rawArch === "armel" ? "v6" : undefined;
  const v = variant ?? implied;
  if (v !== undefined) platform.variant = v;
  return platform;
}

export function formatPlatform(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter((p) => p).join("/");
}

/** arm64 without a variant means v8 (containerd's normalisation). */
function variantOf(platform: Platform): string | undefined {
  if (platform.architecture === "arm64" && (platform.variant === undefined || platform.variant === ""))
    return "v8";
  return platform.variant === "" ? undefined : platform.variant;
}

/** True when `candidate` can run where `target` is asked for; a target without a variant accepts any. */
export function platformMatches(candidate: Platform, target: Platform): boolean {
  if (candidate.os !== target.os || candidate.architecture !== target.architecture) return false;
  const wanted = variantOf(target);
  return target.variant === undefined || variantOf(candidate) === wanted;
}

interface IndexEntry {
  platform?: { os?: unknown; architecture?: unknown; variant?: unknown };
  annotations?: Record<string, unknown>;
}

/**
 * The platforms an index lists. Attestation entries (BuildKit's `unknown/unknown` manifests carrying
 * provenance) are skipped: they are not runnable images.
 */
export function indexPlatforms(index: unknown): Platform[] {
  const manifests = (index as { manifests?: unknown } | null)?.manifests;
  if (!Array.isArray(manifests)) return [];
  const out: Platform[] = [];
  for (const item of manifests as unknown[]) {
    if (item === null || typeof item !== "object") continue;
    const entry = item as IndexEntry;
    const p = entry.platform;
    if (typeof p?.os !== "string" || typeof p.architecture !== "string") continue;
    if (p.os === "unknown" || entry.annotations?.["vnd.docker.reference.type"] === "attestation-manifest")
      continue;
    const platform: Platform = { os: p.os, architecture: p.architecture };
    if (typeof p.variant === "string" && p.variant !== "") platform.variant = p.variant;
    out.push(platform);
  }
  return out;
}

/** The platform an image config blob declares (`os`, `architecture`, `variant`), if it declares one. */
export function configPlatform(config: unknown): Platform | undefined {
  const c = config as { os?: unknown; architecture?: unknown; variant?: unknown } | null;
  if (typeof c?.os !== "string" || typeof c.architecture !== "string") return undefined;
  const platform: Platform = { os: c.os, architecture: c.architecture };
  if (typeof c.variant === "string" && c.variant !== "") platform.variant = c.variant;
  return platform;
}
