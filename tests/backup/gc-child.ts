// A gc that kills itself (SIGKILL, no clean-up) after N removals: tests/backup/gc.test.ts
// proves a repository stopped there still serves and clients still update.
import { gcImageRepository } from "../../backend/image/gc.ts";

const [dir, after] = process.argv.slice(2) as [string, string];
let removed = 0;
await gcImageRepository(dir, {
  onRemoved: () => {
    if (++removed >= Number(after)) process.kill(process.pid, "SIGKILL");
  },
});
