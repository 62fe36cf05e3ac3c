// What every subcommand declares, and a small strict option parser shared by all. A
// command states its options, positionals and --help text once; the runner (run.ts)
// parses, answers --help and checks the positionals before the command runs.
import { KEY_TYPES, parseKeyType, type KeyType } from "../../model/keys.ts";

export interface Command {
  /** One or two words, e.g. "serve", "image add". */
  name: string;
  summary: string;
  /** The full --help text. */
  usage: string;
  /** Options besides --help. */
  options?: OptionSpec;
  /** Names of the positional arguments, e.g. ["DIR", "FILE"]: exactly these many are required. */
  positionals?: readonly string[];
  /** How many of the last positionals may be left out (the command checks which it needs). */
  optionalPositionals?: number;
  /** Runs with parsed, checked arguments; returns the exit status. */
  run(args: ParsedArgs): Promise<number>;
}

export class UsageError extends Error {}

export interface OptionSpec {
  /** Options that take a value; `repeat` collects every occurrence. */
  values?: Record<string, { repeat?: boolean }>;
  /** Options that are on/off. */
  flags?: string[];
}

export interface ParsedArgs {
  positional: string[];
  values: Record<string, string[]>;
  flags: Set<string>;
  help: boolean;
}

/** Parses `--name value`, `--name=value` and `--flag`; unknown options and a value that looks like an option are a UsageError. */
export function parseArgs(args: string[], spec: OptionSpec): ParsedArgs {
  const out: ParsedArgs = { positional: [], values: {}, flags: new Set(), help: false };
  const valueSpecs = spec.values ?? {};
  const flagSet = new Set(spec.flags ?? []);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") {
      out.help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      out.positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const key = arg.slice(2, eq < 0 ? undefined : eq);
    if (flagSet.has(key)) {
      if (eq >= 0) throw new UsageError(`--${key} takes no value`);
      out.flags.add(key);
      continue;
    }
    const valueSpec = valueSpecs[key];
    if (!valueSpec) throw new UsageError(`unknown option --${key}`);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = args[++i];
      // `--name --json` is a forgotten value, not the name "--json" (`--name=--json` says otherwise).
      if (value === undefined || value.startsWith("--")) throw new UsageError(`--${key} needs a value`);
    }
    const list = (out.values[key] ??= []);
    if (list.length > 0 && !valueSpec.repeat) throw new UsageError(`--${key} given more than once`);
    list.push(value);
  }
  return out;
}

/** The single value of an option, or `fallback`; a missing required option is a UsageError. */
export function optionValue(parsed: ParsedArgs, key: string, fallback?: string): string {
  const v = parsed.values[key]?.[0] ?? fallback;
  if (v === undefined) throw new UsageError(`--${key} is required`);
  return v;
}

/** A non-negative integer option, at most `max`. */
/** `--key-type TYPE` (ed25519, ecdsa-p256, rsa-pss), or undefined when not given. */
export function optionKeyType(parsed: ParsedArgs, key = "key-type"): KeyType | undefined {
  const raw = parsed.values[key]?.[0];
  if (raw === undefined) return undefined;
  const type = parseKeyType(raw);
  if (!type) throw new UsageError(`--${key} must be one of ${KEY_TYPES.join(", ")}, got '${raw.slice(0, 24)}'`);
  return type;
}

export function optionInt(parsed: ParsedArgs, key: string, fallback?: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = parsed.values[key]?.[0];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${key} is required`);
    return fallback;
  }
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${key} must be a non-negative integer, got '${raw}'`);
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n > max) throw new UsageError(`--${key} must be at most ${max}, got ${raw.length > 24 ? `${raw.slice(0, 24)}...` : raw}`);
  return n;
}
