/**
 * A Bearer-token registry emulated on loopback: a registry (/v2/…) that challenges with
 * `Bearer realm=…,service=…,scope=…` and a token service that checks Basic credentials, the way Docker
 * Hub, GHCR and GAR do. Every request is recorded with the server that got it and its Authorization
 * header, so tests can assert where the password went.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Mode =
  | "ok" // tokens work
  | "expired" // the registry answers 401 invalid_token to every token
  | "insufficient-scope" // the registry answers 401 insufficient_scope on the repository
  | "forbidden" // the registry answers 403 DENIED on the repository
  | "token-forbidden"; // the token service answers 403

export interface StoredManifest {
  mediaType: string;
  body: string;
  digest: string;
}

export interface TokenRegistryOptions {
  users: Record<string, string>;
  mode?: Mode;
  /** Token service on 127.0.0.2 instead of the registry's own host. */
  realmOnOtherHost?: boolean;
  /** The token service answers anonymous requests with a token. */
  anonymous?: boolean;
  /** repository → tag → manifest; blobs by digest. */
  manifests?: Record<string, Record<string, StoredManifest>>;
  blobs?: Record<string, string>;
  /** Token service redirects here (to test that credentials do not follow). */
  tokenRedirect?: string;
  /** The registry redirects manifest GETs here. */
  manifestRedirect?: string;
  /** A scope the /v2/ challenge names (GHCR sends a placeholder there). */
  pingScope?: string;
  /** Name the token field `access_token` instead of `token`. */
  accessTokenField?: boolean;
}

export interface Recorded {
  server: "registry" | "token" | "other";
  method: string;
  path: string;
  authorization: string | undefined;
}

export interface TokenRegistry {
  host: string;
  realm: string;
  requests: Recorded[];
  /** Scopes asked of the token service, in order. */
  scopes: string[];
  close(): Promise<void>;
}

export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  host: string,
): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, resolve);
  });
  return server;
}

export function hostOf(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  return `${address}:${port}`;
}

export async function closeAll(servers: Server[]): Promise<void> {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export async function startTokenRegistry(options: TokenRegistryOptions): Promise<TokenRegistry> {
  const mode = options.mode ?? "ok";
  const requests: Recorded[] = [];
  const scopes: string[] = [];
  const tokens = new Set<string>();
  const record = (server: Recorded["server"], req: IncomingMessage) =>
    requests.push({
      server,
      method: req.method ?? "",
      path: req.url ?? "",
      authorization: req.headers.authorization,
    });

  const tokenHandler = (req: IncomingMessage, res: ServerResponse) => {
    record("token", req);
    if (options.tokenRedirect) {
      res.writeHead(307, { Location: options.tokenRedirect }).end();
      return;
    }
    const url = new URL(req.url ?? "/", "http://token");
    scopes.push(url.searchParams.getAll("scope").join(" "));
    const auth = req.headers.authorization;
    if (auth === undefined && !options.anonymous) {
      res.writeHead(401, { "Content-Type": "application/json" }).end('{"details":"authentication required"}');
      return;
    }
    if (auth !== undefined) {
      const [user, ...rest] = Buffer.from(auth.replace(/^Basic /, ""), "base64")
        .toString()
        .split(":");
      if (!auth.startsWith("Basic ") || options.users[user ?? ""] !== rest.join(":")) {
        res
          .writeHead(401, { "Content-Type": "application/json" })
          .end('{"details":"incorrect username or password"}');
        return;
      }
    }
    if (mode === "token-forbidden") {
      res.writeHead(403, { "Content-Type": "application/json" }).end('{"details":"access denied"}');
      return;
    }
    const token = `tok-${randomBytes(12).toString("hex")}`;
    tokens.add(token);
    const field = options.accessTokenField ? "access_token" : "token";
    res
      .writeHead(200, { "Content-Type": "application/json" })
      .end(JSON.stringify({ [field]: token, expires_in: 300 }));
  };

  const tokenServer = options.realmOnOtherHost ? await listen(tokenHandler, "127.0.0.2") : undefined;
  let realm = "";
  const challenge = (res: ServerResponse, extra = "") =>
    res
      .writeHead(401, {
        "Content-Type": "application/json",
        "WWW-Authenticate": `Bearer realm="${realm}",service="fake-registry"${extra}`,
      })
      .end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');

  const registryHandler = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    // Without a separate token host, one server plays both parts.
    if (!options.realmOnOtherHost && path === "/token") {
      tokenHandler(req, res);
      return;
    }
    record("registry", req);
    const match = /^\/v2\/(.+)\/(manifests|tags|blobs)\/(.+)$/.exec(path);
    const scope = match
      ? `,scope="repository:${match[1]}:pull"`
      : options.pingScope
        ? `,scope="${options.pingScope}"`
        : "";
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    if (bearer === undefined || !tokens.has(bearer)) {
      challenge(res, scope);
      return;
    }
    if (mode === "expired") {
      challenge(res, `${scope},error="invalid_token"`);
      return;
    }
    if (path === "/v2/") {
      res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
      return;
    }
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    if (mode === "insufficient-scope") {
      challenge(res, `${scope},error="insufficient_scope"`);
      return;
    }
    if (mode === "forbidden") {
      res
        .writeHead(403, { "Content-Type": "application/json" })
        .end('{"errors":[{"code":"DENIED","message":"denied"}]}');
      return;
    }
    const [, repository = "", kind, rest = ""] = match;
    const stored = options.manifests?.[repository];
    if (kind === "blobs") {
      const blob = options.blobs?.[rest];
      if (blob === undefined) res.writeHead(404).end();
      else res.writeHead(200, { "Content-Type": "application/octet-stream" }).end(blob);
      return;
    }
    if (kind === "tags") {
      if (!stored)
        res
          .writeHead(404, { "Content-Type": "application/json" })
          .end('{"errors":[{"code":"NAME_UNKNOWN"}]}');
      else
        res
          .writeHead(200, { "Content-Type": "application/json" })
          .end(JSON.stringify({ name: repository, tags: Object.keys(stored) }));
      return;
    }
    const manifest = stored?.[rest];
    if (!manifest) {
      res
        .writeHead(404, { "Content-Type": "application/json" })
        .end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
      return;
    }
    if (options.manifestRedirect && req.method === "GET") {
      res.writeHead(307, { Location: options.manifestRedirect }).end();
      return;
    }
    res
      .writeHead(200, { "Content-Type": manifest.mediaType, "Docker-Content-Digest": manifest.digest })
      .end(req.method === "HEAD" ? undefined : manifest.body);
  };
  const registryServer = await listen(registryHandler, "127.0.0.1");
  realm = `http://${hostOf(tokenServer ?? registryServer)}/token`;

  return {
    host: hostOf(registryServer),
    realm,
    requests,
    scopes,
    close: () => closeAll(tokenServer ? [registryServer, tokenServer] : [registryServer]),
  };
}
