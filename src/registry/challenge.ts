/**
 * `WWW-Authenticate` parsing (RFC 7235). Registries send `Basic realm="…"` or
 * `Bearer realm="…",service="…",scope="repository:a/b:pull,push"` (note the comma inside the quotes),
 * and fetch joins several challenge headers into one with ", ", so a single string may hold more than
 * one challenge: a parameter name not followed by "=" starts the next challenge.
 */

export interface Challenge {
  /** Lowercased: "basic", "bearer", … */
  scheme: string;
  /** Parameter names lowercased, values unquoted. */
  params: Partial<Record<string, string>>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;

export function parseChallenges(header: string | null | undefined): Challenge[] {
  if (!header) return [];
  const text = header;
  const out: Challenge[] = [];
  let i = 0;

  const readToken = (): string | undefined => {
    TOKEN.lastIndex = i;
    const match = TOKEN.exec(text);
    if (!match) return undefined;
    i = TOKEN.lastIndex;
    return match[0];
  };
  const skip = (chars: string) => {
    while (i < text.length && chars.includes(text.charAt(i))) i++;
  };
  const readQuoted = (): string => {
    let value = "";
    i++; // opening quote
    while (i < text.length && text.charAt(i) !== '"') {
      if (text.charAt(i) === "\\" && i + 1 < text.length) i++;
      value += text.charAt(i);
      i++;
    }
    i++; // closing quote (or past the end when unterminated)
    return value;
  };

  while (i < text.length) {
    skip(" \t,");
    const scheme = readToken();
    if (scheme === undefined) {
      i++; // not a token: skip the stray character rather than loop forever
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    for (;;) {
      const start = i;
      skip(" \t,");
      const name = readToken();
      skip(" \t");
      if (name === undefined || text.charAt(i) !== "=") {
        i = start; // the next challenge's scheme, or the end
        break;
      }
      i++;
      skip(" \t");
      const value = text.charAt(i) === '"' ? readQuoted() : (readToken() ?? "");
      challenge.params[name.toLowerCase()] = value;
    }
  }
  return out;
}

/** The challenge to answer: Bearer when offered (it scopes access), else Basic. */
export function pickChallenge(challenges: readonly Challenge[]): Challenge | undefined {
  return challenges.find((c) => c.scheme === "bearer") ?? challenges.find((c) => c.scheme === "basic");
}
