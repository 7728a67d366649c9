/**
 * A conversation with one registry: requests to its origin, answering its auth challenge once.
 *
 * Where the password may go (issue 4, Security). The password is only ever sent inside an
 * `Authorization: Basic` header, never in a URL, a log or a message, and only:
 *  1. to the registry's own origin (scheme://host:port of the image's API host), after that origin
 *     answered 401 with a `Basic` challenge: never preemptively;
 *  2. to the token service of a `Bearer` challenge, i.e. the `realm` URL that the registry's own origin
 *     named in its 401 answer (a challenge coming from any other origin, e.g. after a redirect, is not
 *     answered). The realm may be on another host because the registry says so: Docker Hub's
 *     registry-1.docker.io sends clients to auth.docker.io. It must be HTTPS, or plain HTTP on a
 *     loopback host; a plain-HTTP realm elsewhere gets no password (the check fails and says why).
 *  3. never along a redirect to another origin: `send` drops the header when the origin changes.
 * Bearer tokens go only to the registry's origin and live in this object for one check: never persisted.
 */

import { isLoopbackHost } from "../image/host.ts";
import type { ImageReference } from "../image/parse.ts";
import { type Challenge, parseChallenges, pickChallenge } from "./challenge.ts";
import { CheckFailed, messages, type RegistryFailure } from "./errors.ts";
import { readText, type SendInit, send, type Transport } from "./http.ts";
import { registryOrigin } from "./urls.ts";

export interface RegistryCredentials {
  username: string;
  password: string;
  /** The registry the credentials are for (SKYPILOT_DOCKER_SERVER); checked against the image's. */
  server?: string;
}

export class RegistrySession {
  readonly origin: string;
  private authorization: string | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly image: ImageReference,
    private readonly credentials: RegistryCredentials | undefined,
  ) {
    this.origin = registryOrigin(image);
  }

  get username(): string | undefined {
    return this.credentials?.username;
  }

  url(path: string): URL {
    return new URL(path, this.origin);
  }

  /** Sends a request, answering at most one challenge; returns any answer but a 401 (the caller reads it). */
  async request(url: URL, init: SendInit): Promise<Response> {
    for (let round = 0; ; round++) {
      const headers: Record<string, string> = { ...init.headers };
      const sentAuth = this.authorization !== undefined && url.origin === this.origin;
      if (sentAuth && this.authorization) headers.Authorization = this.authorization;
      const { response, url: answeredBy } = await send(this.transport, url, { method: init.method, headers });
      if (response.status !== 401) return response;
      await response.body?.cancel();
      if (answeredBy.origin !== this.origin) {
        throw new CheckFailed(
          messages.protocol(
            this.image,
            `a redirect led to ${answeredBy.origin}, which asked for a login`,
            "rhx only logs in to the registry itself and the token service it names.",
          ),
        );
      }
      const challenge = pickChallenge(parseChallenges(response.headers.get("www-authenticate")));
      // Credentials (or a token) already sent and refused: asking again would get the same answer.
      if (round > 0 || challenge === undefined || sentAuth) {
        throw new CheckFailed(this.classify401(challenge, sentAuth));
      }
      await this.authenticate(challenge);
    }
  }

  /**
   * Always the pull scope of our repository, whatever scope a challenge names: GHCR's /v2/ challenge
   * carries a placeholder (`repository:user/image:pull`), and a pull check needs nothing more.
   */
  private get scope(): string {
    return `repository:${this.image.repository}:pull`;
  }

  private classify401(challenge: Challenge | undefined, sentAuth: boolean): RegistryFailure {
    const user = this.credentials?.username;
    const scopeDenied = challenge?.params.error === "insufficient_scope";
    if (user === undefined) return messages.authRequired(this.image, 401, sentAuth && scopeDenied);
    if (!sentAuth) {
      return messages.protocol(
        this.image,
        "it answered 401 without an authentication challenge rhx can answer (Basic or Bearer)",
        "This is a registry misconfiguration, or a proxy in between answers instead of the registry.",
      );
    }
    if (challenge?.scheme === "bearer") {
      return scopeDenied
        ? messages.denied(this.image, user, 401)
        : messages.tokenRejected(this.image, user, 401);
    }
    return messages.authRejected(this.image, user, 401);
  }

  private async authenticate(challenge: Challenge): Promise<void> {
    if (challenge.scheme === "basic") {
      if (!this.credentials) throw new CheckFailed(messages.authRequired(this.image, 401));
      this.authorization = basic(this.credentials);
      return;
    }
    const realm = parseRealm(challenge.params.realm);
    if (!realm) {
      throw new CheckFailed(
        messages.protocol(
          this.image,
          "its Bearer challenge names no usable token service (realm)",
          "This is a registry misconfiguration.",
        ),
      );
    }
    const secure = realm.protocol === "https:" || isLoopbackHost(realm.host);
    if (this.credentials && !secure) {
      throw new CheckFailed(
        messages.protocol(
          this.image,
          `its token service ${realm.origin} is plain HTTP, so rhx will not send the password there`,
          "Use the registry over HTTPS (its token realm must be an https:// URL).",
        ),
      );
    }
    const service = challenge.params.service;
    if (service !== undefined) realm.searchParams.set("service", service);
    realm.searchParams.set("scope", this.scope);
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.credentials) headers.Authorization = basic(this.credentials);

    const { response } = await send(this.transport, realm, { method: "GET", headers });
    const user = this.credentials?.username;
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      if (user === undefined) throw new CheckFailed(messages.authRequired(this.image, response.status, true));
      throw new CheckFailed(
        response.status === 401
          ? messages.authRejected(this.image, user, 401)
          : messages.denied(this.image, user, 403),
      );
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new CheckFailed(messages.unexpected(this.image, "the token request", response.status));
    }
    const token = readToken(await readText(this.transport, response, 1024 * 1024));
    if (token === undefined) {
      throw new CheckFailed(
        messages.protocol(
          this.image,
          "its token service answered without a token",
          "This is a registry misconfiguration.",
        ),
      );
    }
    this.authorization = `Bearer ${token}`;
  }
}

function basic(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
}

function parseRealm(realm: string | undefined): URL | undefined {
  if (realm === undefined || realm === "") return undefined;
  try {
    const url = new URL(realm);
    return url.protocol === "https:" || url.protocol === "http:" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Docker's token endpoint answers `token`, OAuth2-style ones `access_token`; either will do. */
function readToken(body: string): string | undefined {
  try {
    const json = JSON.parse(body) as { token?: unknown; access_token?: unknown };
    const token = json.token ?? json.access_token;
    return typeof token === "string" && token !== "" ? token : undefined;
  } catch {
    return undefined;
  }
}
