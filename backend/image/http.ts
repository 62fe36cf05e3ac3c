// `/image/` over HTTP: exactly the files of DIR/image/repository (TUF consistent-snapshot
// layout), read-only, and only while the published chain verifies (served-chain.ts).
// Temporary files of atomic writes are hidden names and never served.
import { serveStaticFile, type RouteHandler } from "../http/server.ts";
import { repositoryDir } from "./layout.ts";
import { ServedImageChain } from "./served-chain.ts";

export function imageRoutes(dir: string, chain = new ServedImageChain(dir)): RouteHandler {
  const root = repositoryDir(dir);
  return async (request) => {
    await chain.require();
    if (request.segments[0] === "targets" && request.segments.length > 1) await chain.requireImage(request.segments);
    return serveStaticFile(request, root);
  };
}
