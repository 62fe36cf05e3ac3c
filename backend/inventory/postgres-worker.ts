// The worker thread behind PostgresEngine (postgres-engine.ts), as source text so the
// bundled CLI needs no file beside it: one `pg` connection, one message at a time (a query,
// after the statements the engine deferred before it, in order), each reply posted and then signalled on the shared flag the calling thread waits on. A lost
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
    // The statements of one message run in order; the reply is the last one's (or the first error).
    let r = null;
    for (const q of m.statements) r = await c.query({ text: q.sql, values: q.params });
    const last = Array.isArray(r) ? r[r.length - 1] : r;
    reply({ rows: last.rows, rowCount: last.rowCount, command: last.command });
  } catch (e) {
    reply({ error: { message: String(e && e.message || e), code: e && e.code } });
  }
});
`;
