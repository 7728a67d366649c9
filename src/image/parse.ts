/**
 * Parsing image references as Docker reads them (distribution/reference `Parse` + `ParseNormalizedNamed`):
 * `ubuntu` is `docker.io/library/ubuntu:latest`, `localhost:5000/app` names a registry, and so on.
 * Pure: config validation calls it, the registry client uses what it returns.
 */
import {
  checkDigest,
  DIGEST,
  DOMAIN_AND_PORT,
  IDENTIFIER,
  MAX_PATH_LENGTH,
  PATH_COMPONENT,
  TAG,
} from "./grammar.ts";
import { splitHostPort } from "./host.ts";

export const DOCKER_HUB = "docker.io";
/** Docker Hub's API lives on another host than its name (normalize.go). */
export const DOCKER_HUB_API_HOST = "registry-1.docker.io";
export const DEFAULT_TAG = "latest";

export interface ImageReference {
  /** The registry as written (docker.io when none is written; index.docker.io becomes docker.io). */
  registry: string;
  /** Host[:port] the HTTP API is reached at: registry-1.docker.io for Docker Hub. */
  apiHost: string;
  /** Path inside the registry, with `library/` for Docker Hub's official images. */
  repository: string;
  tag?: string;
  digest?: string;
  /** What the manifest request names: the digest when there is one (Docker pulls by it), else the tag. */
  reference: string;
  /** `registry/repository`. */
  name: string;
  /** Fully normalised: `docker.io/library/ubuntu:latest`, `host/repo:tag@sha256:…`. */
  canonical: string;
}

/** A failure is a one-line sentence for the user; `offset` is 0-based into the text given. */
export type ParseResult<T> =
  | { ok: true; value: T }
  | { ok: false; message: string; hint?: string; offset?: number };

const FORM =
  "Write it as [registry/]repository[:tag][@digest], for example nvcr.io/nvidia/pytorch:23.10-py3.";
const PATH_RULES = 'Repository names use lowercase letters and digits, separated by ".", "_", "__" or "-".';

function fail(
  message: string,
  hint?: string,
  offset?: number,
): { ok: false; message: string; hint?: string; offset?: number } {
  return {
    ok: false,
    message,
    ...(hint === undefined ? {} : { hint }),
    ...(offset === undefined ? {} : { offset }),
  };
}

/**
 * The registry host written at the start of `name`, if any. Docker's rule (splitDockerDomain): the first
 * component is a host when it is `localhost`, contains "." or ":", or has uppercase letters.
 */
export function writtenRegistry(name: string): string | undefined {
  const slash = name.indexOf("/");
  if (slash < 0) return undefined;
  const first = name.slice(0, slash);
  if (first === "localhost" || /[.:]/.test(first) || first.toLowerCase() !== first) return first;
  return undefined;
}

/**
 * The distribution/reference grammar, applied in the order the grammar reads a reference (scheme,
 * digest, tag, domain, path): one pass, each failure pointing at its column, so it stays one function.
 */
export function parseImageReference(text: string): ParseResult<ImageReference> {
  if (text.trim() === "") return fail("The image reference is empty.", FORM);
  const space = text.search(/\s/);
  if (space >= 0) return fail(`The image reference "${text}" contains whitespace.`, FORM, space);
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.exec(text);
  if (scheme) {
    return fail(
      `The image reference "${text}" is a URL; image references have no scheme.`,
      `Write ${text.slice(scheme[0].length)}.`,
      0,
    );
  }
  if (IDENTIFIER.test(text)) {
    return fail(
      `"${text}" is an image id, not an image reference.`,
      "Use the repository name, optionally with @sha256:<digest>.",
      0,
    );
  }

  let rest = text;
  let digest: string | undefined;
  const at = text.indexOf("@");
  if (at >= 0) {
    digest = text.slice(at + 1);
    rest = text.slice(0, at);
    if (!DIGEST.test(digest)) {
      return fail(
        `The digest "${digest}" is not valid.`,
        "A digest looks like sha256: followed by 64 hex digits.",
        at + 1,
      );
    }
    const why = checkDigest(digest);
    if (why) return fail(`The digest "${digest}" is not valid: ${why}.`, undefined, at + 1);
  }

  // A tag is whatever follows the last ":" after the last "/"; an earlier ":" belongs to a port.
  let name = rest;
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    name = rest.slice(0, colon);
    tag = rest.slice(colon + 1);
    if (tag === "") return fail(`The image reference "${text}" has an empty tag after ":".`, FORM, colon + 1);
    if (!TAG.test(tag)) {
      return fail(
        `The tag "${tag}" is not valid.`,
        'A tag has up to 128 letters, digits, "_", "." or "-", and does not start with "." or "-".',
        colon + 1,
      );
    }
  }
  if (name === "") return fail(`The image reference "${text}" has no repository name.`, FORM, 0);

  const domain = writtenRegistry(name);
  const writtenPath = domain === undefined ? name : name.slice(domain.length + 1);
  const pathStart = domain === undefined ? 0 : domain.length + 1;
  if (domain !== undefined) {
    const problem = checkDomain(domain);
    if (problem) return fail(problem.message, problem.hint, 0);
  }
  const pathProblem = checkPath(writtenPath, pathStart);
  if (pathProblem) return pathProblem;

  let registry = domain ?? DOCKER_HUB;
  if (registry === "index.docker.io") registry = DOCKER_HUB;
  const repository =
    registry === DOCKER_HUB && !writtenPath.includes("/") ? `library/${writtenPath}` : writtenPath;
  if (repository.length > MAX_PATH_LENGTH) {
    return fail(
      `The repository name is ${repository.length} characters long; the limit is ${MAX_PATH_LENGTH}.`,
    );
  }
  const apiHost = registry === DOCKER_HUB ? DOCKER_HUB_API_HOST : registry.toLowerCase();
  const fullName = `${registry}/${repository}`;
  const suffix = `${tag === undefined ? "" : `:${tag}`}${digest === undefined ? "" : `@${digest}`}`;
  const value: ImageReference = {
    registry,
    apiHost,
    repository,
    reference: digest ?? tag ?? DEFAULT_TAG,
    name: fullName,
    canonical: `${fullName}${suffix === "" ? `:${DEFAULT_TAG}` : suffix}`,
  };
  if (tag !== undefined) value.tag = tag;
  if (digest !== undefined) value.digest = digest;
  return { ok: true, value };
}

function checkDomain(domain: string): { message: string; hint: string } | undefined {
  if (!/[.:]/.test(domain) && domain !== "localhost") {
    // Docker would silently treat "MyUser/app" as the registry host "MyUser": almost always a typo.
    return {
      message: `The repository name "${domain}" must be lowercase (with uppercase letters Docker reads it as a registry host).`,
      hint: `Write "${domain.toLowerCase()}". ${PATH_RULES}`,
    };
  }
  if (!DOMAIN_AND_PORT.test(domain)) {
    return {
      message: `The registry host "${domain}" is not a valid host name.`,
      hint: "A registry host is a DNS name or IP address with an optional port, like registry.example.com:5000 or [::1]:5000.",
    };
  }
  const { port } = splitHostPort(domain);
  if (port !== undefined && (port < 1 || port > 65535)) {
    return {
      message: `The registry host "${domain}" has an invalid port ${port}.`,
      hint: "A port is between 1 and 65535.",
    };
  }
  return undefined;
}

function checkPath(
  path: string,
  start: number,
): { ok: false; message: string; hint?: string; offset?: number } | undefined {
  let offset = start;
  for (const component of path.split("/")) {
    if (component === "") {
      return fail(
        `The repository name "${path}" has an empty path component.`,
        'Remove the doubled or trailing "/".',
        offset,
      );
    }
    if (!PATH_COMPONENT.test(component)) {
      const upper = component.search(/[A-Z]/);
      if (upper >= 0 && PATH_COMPONENT.test(component.toLowerCase())) {
        return fail(
          `The repository name "${path}" must be lowercase.`,
          `Write "${path.toLowerCase()}".`,
          offset + upper,
        );
      }
      const bad = component.search(/[^a-z0-9._-]/);
      return fail(
        `"${component}" is not a valid repository name component.`,
        PATH_RULES,
        offset + Math.max(bad, 0),
      );
    }
    offset += component.length + 1;
  }
  return undefined;
}
