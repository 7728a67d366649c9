/**
 * When a tag is missing, the most useful answer is the tags that do exist, closest to the one asked
 * for first (a typo such as `23.10-py` for `23.10-py3` is the usual cause).
 */
import type { RegistrySession } from "./auth.ts";
import { readText, type Transport } from "./http.ts";

const MAX_PAGES = 10;

export type TagListing =
  | { kind: "tags"; tags: string[] }
  | { kind: "repository-unknown" }
  | { kind: "unavailable" };

/** Lists a repository's tags, following `Link: <…>; rel="next"` pages on the same origin. */
export async function listTags(
  session: RegistrySession,
  transport: Transport,
  repository: string,
): Promise<TagListing> {
  const tags: string[] = [];
  let url: URL | undefined = session.url(`/v2/${repository}/tags/list`);
  try {
    for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
      const response = await session.request(url, { method: "GET", headers: { Accept: "application/json" } });
      if (response.status === 404) {
        await response.body?.cancel();
        return page === 0 ? { kind: "repository-unknown" } : { kind: "tags", tags };
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        return { kind: "unavailable" };
      }
      const body = JSON.parse(await readText(transport, response)) as { tags?: unknown };
      if (Array.isArray(body.tags)) for (const t of body.tags) if (typeof t === "string") tags.push(t);
      url = nextPage(response.headers.get("link"), url);
    }
    return { kind: "tags", tags };
  } catch (error) {
    // Listing is a courtesy: any failure (denied, malformed JSON, network) just means "no list",
    // except the caller's own cancellation, which must stop the check.
    if (transport.signal?.aborted) throw error;
    return { kind: "unavailable" };
  }
}

function nextPage(link: string | null, current: URL): URL | undefined {
  const match = link === null ? null : /<([^>]+)>\s*;\s*rel="?next"?/i.exec(link);
  if (!match?.[1]) return undefined;
  const next = new URL(match[1], current);
  return next.origin === current.origin ? next : undefined;
}

/** Up to `max` tags, nearest to `wanted` by edit distance, then longest shared prefix. */
export function nearestTags(wanted: string, tags: readonly string[], max = 10): string[] {
  return [...new Set(tags)]
    .map((tag) => ({ tag, distance: editDistance(wanted, tag), prefix: sharedPrefix(wanted, tag) }))
    .sort((a, b) => a.distance - b.distance || b.prefix - a.prefix || a.tag.localeCompare(b.tag))
    .slice(0, max)
    .map((entry) => entry.tag);
}

export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
