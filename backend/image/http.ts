// `/image/` over HTTP: exactly the files of DIR/image/repository (TUF consistent-snapshot
// layout), read-only. Temporary files of atomic writes are hidden names and never served.
import { serveStaticFile, type RouteHandler } from "../http/server.ts";
import { repositoryDir } from "./layout.ts";

export function imageRoutes(dir: string): RouteHandler {
  const root = repositoryDir(dir);
  return (request) => serveStaticFile(request, root);
}
