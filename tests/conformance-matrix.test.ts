// The conformance matrix (docs/conformance.md): one row per requirement of the Uptane
// Standard 2.1 sections 5.1-5.4 (and the Deployment Best Practices and PURE-2 steps we
// implement, and the TUF 1.0 client workflow for `uptane tuf`). A row marked implemented names the tests that prove it, and each must be a
// test that exists (its file, and a test() of that title in it); a row not implemented or
// not applicable gives its reason; no SHALL or SHALL NOT row is left not implemented. The
// counts per keyword and status are printed and must be the ones the README states.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const ROOT = join(import.meta.dirname, "..");
const MATRIX = join(ROOT, "docs", "conformance.md");
const KEYWORDS = ["SHALL", "SHALL NOT", "SHOULD", "SHOULD NOT", "MAY"] as const;
const STATUSES = ["implemented", "not applicable", "not implemented"] as const;
type Keyword = (typeof KEYWORDS)[number];
type Status = (typeof STATUSES)[number];

interface Row {
  line: number;
  id: string;
  section: string;
  keyword: Keyword;
  requirement: string;
  status: Status;
  proof: string;
}

/** The matrix's rows: every table line whose first cell is a row id (R1, R2, ...). */
function readMatrix(): Row[] {
  const rows: Row[] = [];
  readFileSync(MATRIX, "utf8")
    .split("\n")
    .forEach((text, i) => {
      const cells = text.split("|").map((c) => c.trim());
      if (cells.length < 8 || !/^[A-Z]+[0-9]+$/.test(cells[1]!)) return;
      const [, id, section, keyword, requirement, status, proof] = cells as string[];
      rows.push({ line: i + 1, id: id!, section: section!, keyword: keyword as Keyword, requirement: requirement!, status: status as Status, proof: proof! });
    });
  return rows;
}

/** A test named in a proof cell: `tests/FILE.test.ts` › TITLE. */
function references(proof: string): Array<{ file: string; title: string }> {
  return proof
    .split("<br>")
    .map((p) => p.trim())
    .filter((p) => p !== "")
    .map((p) => {
      const m = /^`([^`]+)`\s*›\s*(.+)$/.exec(p);
      if (!m) throw new Error(`not a test reference (\`tests/FILE.test.ts\` › TITLE): ${p}`);
      return { file: m[1]!, title: m[2]! };
    });
}

/** The titles of a test file's test() calls; a template title becomes a pattern ( ${...} matches any text). */
const titleCache = new Map<string, Array<string | RegExp>>();
function titlesOf(file: string): Array<string | RegExp> {
  const cached = titleCache.get(file);
  if (cached) return cached;
  const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), "utf8"), ts.ScriptTarget.Latest, true);
  const titles: Array<string | RegExp> = [];
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "test" && node.arguments.length > 0) {
      const arg = node.arguments[0]!;
      if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) titles.push(arg.text);
      else if (ts.isTemplateExpression(arg)) {
        titles.push(new RegExp(`^${escape(arg.head.text)}${arg.templateSpans.map((s) => `.+?${escape(s.literal.text)}`).join("")}$`));
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  titleCache.set(file, titles);
  return titles;
}

const rows = readMatrix();

test("the matrix has rows for every part of sections 5.1 to 5.4, each with a known keyword and status and a unique id", () => {
  assert.ok(rows.length >= 100, `the matrix has ${rows.length} rows`);
  const ids = new Set<string>();
  for (const r of rows) {
    const where = `docs/conformance.md:${r.line} ${r.id}`;
    assert.ok(!ids.has(r.id), `${where}: id used twice`);
    ids.add(r.id);
    assert.ok((KEYWORDS as readonly string[]).includes(r.keyword), `${where}: keyword ${JSON.stringify(r.keyword)}`);
    assert.ok((STATUSES as readonly string[]).includes(r.status), `${where}: status ${JSON.stringify(r.status)}`);
    assert.ok(r.requirement.length >= 10, `${where}: a requirement in words`);
    assert.ok(/^(5\.[1-4](\.\d+)*|DBP [a-z][A-Za-z ,]+|PURE-2( [\w.-]+)?|TUF 5\.[1-7](\.\d+)*)$/.test(r.section), `${where}: section ${JSON.stringify(r.section)}`);
  }
  for (const section of ["5.1", "5.2", "5.3", "5.4"]) assert.ok(rows.some((r) => r.section.startsWith(section)), `rows for section ${section}`);
});

test("every implemented row names tests, and every test it names exists", () => {
  for (const r of rows.filter((x) => x.status === "implemented")) {
    const where = `docs/conformance.md:${r.line} ${r.id}`;
    const refs = references(r.proof);
    assert.ok(refs.length > 0, `${where}: implemented, but names no test`);
    for (const { file, title } of refs) {
      assert.ok(/^tests\/.+\.test\.ts$/.test(file) && existsSync(join(ROOT, file)), `${where}: no test file ${file}`);
      const found = titlesOf(file).some((t) => (typeof t === "string" ? t === title : t.test(title)));
      assert.ok(found, `${where}: ${file} has no test "${title}"`);
    }
  }
});

test("every row not implemented or not applicable gives its reason, and no SHALL or SHALL NOT row is left not implemented", () => {
  for (const r of rows.filter((x) => x.status !== "implemented")) {
    const where = `docs/conformance.md:${r.line} ${r.id}`;
    assert.ok(r.proof.length >= 20 && !r.proof.includes("›"), `${where}: ${r.status} needs its reason in words`);
    assert.ok(!(r.status === "not implemented" && (r.keyword === "SHALL" || r.keyword === "SHALL NOT")), `${where}: a ${r.keyword} row must be implemented or argued not applicable`);
  }
});

/** The counts as the README shows them. */
function countsTable(list: Row[]): string {
  const lines = ["| keyword | implemented | not applicable | not implemented | rows |", "|---|---|---|---|---|"];
  const count = (k: Keyword | null, s: Status | null) => list.filter((r) => (k === null || r.keyword === k) && (s === null || r.status === s)).length;
  for (const k of [...KEYWORDS, null]) lines.push(`| ${k ?? "all"} | ${STATUSES.map((s) => count(k, s)).join(" | ")} | ${count(k, null)} |`);
  return lines.join("\n");
}

test("the counts per keyword and status are printed and are the ones the README states", () => {
  const table = countsTable(rows);
  console.log(`\nConformance matrix (docs/conformance.md):\n${table}\n`);
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  assert.ok(readme.includes(table), "README.md's conformance section holds exactly the table printed above");
});

test.run();
