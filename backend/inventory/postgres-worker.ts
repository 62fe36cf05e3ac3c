// The worker thread behind PostgresEngine (postgres-engine.ts), as source text so the
// bundled CLI needs no file beside it: one `pg` connection, one query at a time, each
// reply posted and then signalled on the shared flag the calling thread waits on. A lost
// connection is replaced on the next query outside a transaction.
// BIGINT columns come back as numbers (refused beyond 2^53, never rounded).
export const POSTGRES_WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const pg = require(workerData.pgPath);
const { url, flag, port } = workerData;
pg.types.setTypeParser(20, (text) => {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error("a BIGINT beyond 2^53 in the inventory: " + text);
  return n;
});
let client = null;
function reply(message) {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
async function connected() {
  if (client) return client;
  const c = new pg.Client({ connectionString: url, application_name: "uptane" });
  c.on("error", () => { if (client === c) client = null; }); // the next query reconnects
  await c.connect();
  client = c;
  return c;
}
port.on("message", async (m) => {
  try {
    if (m.op === "close") {
      if (client) await client.end();
      client = null;
      reply({});
      return;
    }
    if (!client && m.op === "query" && !m.reconnect) throw new Error("the connection to PostgreSQL was lost inside a transaction (rolled back by the server)");
    const c = await connected();
    if (m.op === "connect") return reply({});
    const r = await c.query({ text: m.sql, values: m.params });
    reply({ rows: r.rows, rowCount: r.rowCount });
  } catch (e) {
    reply({ error: { message: String(e && e.message || e), code: e && e.code } });
  }
});
`;
