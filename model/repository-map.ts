// The repository mapping metadata every Primary holds (Uptane 2.1 "Repository mapping
// metadata", in the shape of TUF TAP 4 `map.json`): the repositories by name with their
// URLs, and which repositories must all sign each image path. This version honours one
// mapping, the basic Uptane case: every path (`*`) signed by both the Director and the
// Image repository, terminating. Anything else is refused by name, never narrowed to it.

/** TAP 4 `map.json`. */
export interface RepositoryMap {
  repositories: Record<string, string[]>;
  mapping: Array<{ paths: string[]; repositories: string[]; terminating: boolean }>;
}

/** Where the Primary fetches from, as the mapping says. */
export interface RepositoryUrls {
  director: string;
  image: string;
}

export class RepositoryMapError extends Error {}

/** The names the basic case gives the two repositories. */
export const DIRECTOR_REPOSITORY = "director";
export const IMAGE_REPOSITORY = "image";

/** The basic case: `*` signed by both, each repository at `{base}/director/` and `{base}/image/`. */
export function basicRepositoryMap(urls: RepositoryUrls): RepositoryMap {
  return {
    repositories: { [DIRECTOR_REPOSITORY]: [urls.director], [IMAGE_REPOSITORY]: [urls.image] },
    mapping: [{ paths: ["*"], repositories: [DIRECTOR_REPOSITORY, IMAGE_REPOSITORY], terminating: true }],
  };
}

/** The repository URLs under one server base URL, in the layout `uptane serve` uses. */
export function serverRepositoryUrls(base: string): RepositoryUrls {
  const b = base.replace(/\/+$/, "");
  return { director: `${b}/director/`, image: `${b}/image/` };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isUrl = (v: unknown): v is string => typeof v === "string" && v.length <= 2048 && /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(v);

/**
 * Checks `doc` is a TAP 4 map this version can honour and returns the repository URLs.
 * Throws RepositoryMapError saying what is not honoured (another path pattern, a
 * repository more or less, a non-terminating mapping, more than one URL per repository).
 */
export function honouredRepositoryUrls(doc: unknown): RepositoryUrls {
  const fail = (why: string): never => {
    throw new RepositoryMapError(`repository mapping not honoured by this version: ${why} (it honours only every path "*" signed by both "${DIRECTOR_REPOSITORY}" and "${IMAGE_REPOSITORY}", terminating, one URL each)`);
  };
  if (!isObject(doc)) fail("map.json is not a JSON object");
  const map = doc as Record<string, unknown>;
  const extra = Object.keys(map).filter((k) => k !== "repositories" && k !== "mapping");
  if (extra.length) fail(`unknown field(s) ${extra.join(", ")}`);
  if (!isObject(map.repositories)) fail("repositories is not an object of name -> URL list");
  const repositories = map.repositories as Record<string, unknown>;
  const names = Object.keys(repositories).sort();
  if (names.join(",") !== [DIRECTOR_REPOSITORY, IMAGE_REPOSITORY].sort().join(",")) fail(`repositories are ${JSON.stringify(names)}`);
  const urls: Record<string, string> = {};
  for (const name of names) {
    const list = repositories[name];
    if (!Array.isArray(list) || list.length === 0) fail(`repository "${name}" has no URL list`);
    if ((list as unknown[]).length > 1) fail(`repository "${name}" lists ${(list as unknown[]).length} URLs (mirrors)`);
    if (!isUrl((list as unknown[])[0])) fail(`repository "${name}" URL is not an http:// or https:// URL`);
    urls[name] = (list as string[])[0]!;
  }
  if (!Array.isArray(map.mapping)) fail("mapping is not a list");
  const mapping = map.mapping as unknown[];
  if (mapping.length !== 1) fail(`mapping has ${mapping.length} entries`);
  const entry = mapping[0];
  if (!isObject(entry)) fail("the mapping entry is not an object");
  const e = entry as Record<string, unknown>;
  const unknown = Object.keys(e).filter((k) => k !== "paths" && k !== "repositories" && k !== "terminating");
  if (unknown.length) fail(`the mapping entry has field(s) ${unknown.join(", ")} (e.g. a threshold other than all)`);
  if (!Array.isArray(e.paths) || e.paths.length !== 1 || e.paths[0] !== "*") fail(`paths are ${JSON.stringify(e.paths)}`);
  const repos = Array.isArray(e.repositories) ? [...(e.repositories as unknown[])].map(String).sort() : null;
  if (!repos || repos.join(",") !== [DIRECTOR_REPOSITORY, IMAGE_REPOSITORY].sort().join(",") || (e.repositories as unknown[]).length !== 2) {
    fail(`the mapping's repositories are ${JSON.stringify(e.repositories)}`);
  }
  if (e.terminating !== true) fail("the mapping is not terminating");
  return { director: urls[DIRECTOR_REPOSITORY]!, image: urls[IMAGE_REPOSITORY]! };
}
