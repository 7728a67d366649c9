/**
 * The distribution reference grammar (github.com/distribution/reference, regexp.go), piece by piece
 * so the parser can say *which* part of a reference is wrong instead of "invalid reference format".
 *
 *   reference := name [":" tag] ["@" digest]
 *   name      := [domain "/"] path
 *   domain    := host [":" port]        host := domain-name | "[" IPv6 "]"
 *   path      := path-component ["/" path-component]*
 */

const alphanumeric = "[a-z0-9]+";
/** One period, one or two underscores, or any number of dashes between alphanumerics. */
const separator = "(?:[._]|__|[-]+)";
export const pathComponentPattern = `${alphanumeric}(?:${separator}${alphanumeric})*`;

const domainNameComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
/** Compressed or full IPv6 in brackets; zone ids and IPv4-mapped forms are excluded on purpose. */
const ipv6Address = "\\[(?:[a-fA-F0-9:]+)\\]";
const host = `(?:${domainName}|${ipv6Address})`;
export const domainAndPortPattern = `${host}(?::[0-9]+)?`;

export const TAG = /^[\w][\w.-]{0,127}$/;
export const PATH_COMPONENT = new RegExp(`^${pathComponentPattern}$`);
export const DOMAIN_AND_PORT = new RegExp(`^${domainAndPortPattern}$`);
/** Shape of any digest; which algorithms and lengths are accepted is decided in `checkDigest`. */
export const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
/** A bare 64-hex image id: Docker refuses it as a repository name, so do we. */
export const IDENTIFIER = /^[a-f0-9]{64}$/;

/** Longest repository path (without the domain) distribution accepts. */
export const MAX_PATH_LENGTH = 255;

/** The algorithms go-digest registers, with the length of their lowercase hex encoding. */
const DIGEST_HEX_LENGTH: Readonly<Record<string, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** Returns a reason when a syntactically well-formed digest is still unusable, else undefined. */
export function checkDigest(digest: string): string | undefined {
  const colon = digest.indexOf(":");
  const algorithm = digest.slice(0, colon);
  const hex = digest.slice(colon + 1);
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) return `the algorithm "${algorithm}" is not supported (use sha256)`;
  if (!/^[a-f0-9]+$/.test(hex)) return "the hex digits must be lowercase";
  if (hex.length !== length)
    return `a ${algorithm} digest has ${length} hex digits, this one has ${hex.length}`;
  return undefined;
}
