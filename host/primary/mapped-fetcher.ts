// The Primary's fetcher as its repository mapping says (Uptane 2.1 "Repository mapping
// metadata"): requests for /director/, /image/ and /time/ go to the URLs provisioned in
// the Primary's store, each repository at its own URL.
import { honouredRepositoryUrls } from "../../model/repository-map.ts";
import { HttpFetcher, type Fetcher, type FetchRequest, type TlsClientOptions } from "./fetcher.ts";
import { MAP_KEY, TIME_SERVER_KEY } from "./factory-provisioning.ts";
import { readJson, type Store } from "./store.ts";

export interface ServerUrls {
  director: string;
  image: string;
  timeServer: string;
}

/** The URLs the store's mapping and time server record give, or null when it was provisioned without them. */
export async function storedServerUrls(store: Store): Promise<ServerUrls | null> {
  const map = await readJson<unknown>(store, MAP_KEY);
  const time = await readJson<{ url?: unknown }>(store, TIME_SERVER_KEY);
  if (map === null && time === null) return null;
  const urls = honouredRepositoryUrls(map); // the stored copy is checked again: the store is not trusted more than the factory's
  if (typeof time?.url !== "string" || !/^https?:\/\//.test(time.url)) throw new Error(`the store's ${TIME_SERVER_KEY} holds no time server URL`);
  return { ...urls, timeServer: time.url };
}

const PREFIXES = [
  ["/director/", "director"],
  ["/image/", "image"],
  ["/time/", "timeServer"],
] as const;

export class MappedFetcher implements Fetcher {
  private readonly fetchers = new Map<keyof ServerUrls, HttpFetcher>();

  constructor(urls: ServerUrls, options: { tls?: TlsClientOptions } = {}) {
    for (const [, which] of PREFIXES) {
      const url = urls[which];
      this.fetchers.set(which, new HttpFetcher(url, url.startsWith("https://") ? options : {}));
    }
  }

  get(path: string, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    const { fetcher, rest } = this.route(path);
    return fetcher.get(rest, request);
  }

  post(path: string, body: Uint8Array, request: FetchRequest): Promise<AsyncIterable<Uint8Array>> {
    const { fetcher, rest } = this.route(path);
    return fetcher.post(rest, body, request);
  }

  close(): void {
    for (const f of this.fetchers.values()) f.close();
  }

  private route(path: string): { fetcher: HttpFetcher; rest: string } {
    for (const [prefix, which] of PREFIXES) {
      if (path.startsWith(prefix)) return { fetcher: this.fetchers.get(which)!, rest: path.slice(prefix.length - 1) };
    }
    throw new TypeError(`no repository mapped for ${path}`);
  }
}
