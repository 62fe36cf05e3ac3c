// A fresh project that installs the packed package, as a user of `npm install uptane-wasm`
// would: `npm pack` of this checkout (as built by `npm run build`), then `npm install` of
// the tarball in a temporary folder. Plus the README's "Embedding" examples, read from the
// README itself.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");

export interface PackedFile {
  path: string;
  size: number;
}

const NPM_ENV = { ...process.env, npm_config_update_notifier: "false", npm_config_fund: "false", npm_config_audit: "false" };

function npm(args: string[], cwd: string): string {
  return execFileSync("npm", args, { cwd, env: NPM_ENV, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });
}

/** `npm pack` of the built checkout into `dest`; the tarball's path and its file list. */
export function pack(dest: string): { tarball: string; files: PackedFile[] } {
  // --ignore-scripts: the checkout is built already (prepack would build it again).
  const out = JSON.parse(npm(["pack", "--ignore-scripts", "--json", "--pack-destination", dest], ROOT)) as Array<{ filename: string; files: PackedFile[] }>;
  return { tarball: join(dest, out[0]!.filename), files: out[0]!.files };
}

/** A new ESM project in `dir` with the tarball installed (offline when npm's cache allows, else from the registry). */
export function installInto(dir: string, tarball: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }) + "\n");
  const args = ["install", "--no-audit", "--no-fund", "--ignore-scripts", tarball];
  try {
    npm([...args, "--offline"], dir);
  } catch {
    npm(args, dir);
  }
}

/** Runs a JavaScript file with plain node (no tsx) in `cwd`. */
export function node(file: string, cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [file], { cwd, encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface Snippet {
  /** The package subpath the example is about (its first `uptane-wasm/...` import). */
  entry: string;
  code: string;
  /** What the example says it prints: its `// prints: ...` comments, in order. */
  prints: string[];
}

/** The fenced `js` blocks of README.md's "Embedding" section. */
export function readmeSnippets(): Snippet[] {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("\n## Embedding\n");
  if (start < 0) throw new Error("README.md has no Embedding section");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => {
    const code = m[1]!;
    const entry = /from "uptane-wasm\/([a-z]+)"/.exec(code)?.[1] ?? "";
    const prints = [...code.matchAll(/\/\/ prints: (.*)$/gm)].map((p) => p[1]!.trim());
    return { entry, code, prints };
  });
}
