// The Image repository as a backend part: its share of `uptane init` and `uptane serve`.
import type { BackendPart, InitContext } from "../parts.ts";
import { TOP_ROLES, type ExpiryPolicy, type TopRole } from "./metadata.ts";
import { createImageRepository, imageOfflineRoles, refresh } from "./repository.ts";
import { loadPublished } from "./published.ts";
import { ServedImageChain } from "./served-chain.ts";
import { offlineRoleWarning } from "../offline-expiry.ts";
import { imageRoutes } from "./http.ts";
import { KEY_TYPES, parseKeyType, type KeyType } from "../../model/keys.ts";
import { offlineKeyDir, onlineKeyDir, signersFor } from "./keystore.ts";
import { isTokenKey } from "../keys/pkcs11-token.ts";
import { repositoryDir } from "./layout.ts";
import { KeyOptionError, rsaBitsOption, TOKEN_OPTIONS, tokenConfigOption, tokenRolesOption } from "../keys/key-options.ts";
import type { KeySpec } from "../keys/key-files.ts";

export class InitOptionError extends Error {}

function positiveInt(ctx: InitContext, option: string): number | undefined {
  const raw = ctx.values[option]?.[0];
  if (raw === undefined) return undefined;
  if (!/^[1-9]\d{0,5}$/.test(raw)) throw new InitOptionError(`--${option} must be a positive integer, got '${raw}'`);
  return Number(raw);
}

const values: Record<string, { repeat?: boolean }> = { "key-type": {}, "rsa-bits": {}, "pkcs11-keys": {} };
for (const name of TOKEN_OPTIONS) values[name] = {};
for (const role of TOP_ROLES) {
  values[`${role}-threshold`] = {};
  values[`${role}-expiry-days`] = {};
  values[`${role}-key-type`] = {};
}

/** `--NAME TYPE` as a key type (ed25519, ecdsa-p256, rsa-pss), or undefined when not given. */
export function keyTypeOption(ctx: InitContext, option: string): KeyType | undefined {
  const raw = ctx.values[option]?.[0];
  if (raw === undefined) return undefined;
  const type = parseKeyType(raw);
  if (!type) throw new InitOptionError(`--${option} must be one of ${KEY_TYPES.join(", ")}, got '${raw}'`);
  return type;
}

export const imageRepositoryPart: BackendPart = {
  name: "image",
  initOptions: { values },
  initHelp: [
    "  --ROLE-threshold N      keys generated for ROLE and signatures required (default 1);",
    "                          ROLE is root, targets, snapshot or timestamp",
    "  --ROLE-expiry-days D    validity of ROLE's metadata (defaults: root 365, targets 90,",
    "                          snapshot 1, timestamp 1)",
    "  --key-type TYPE         the type of every key made: ed25519 (default), ecdsa-p256 or",
    "                          rsa-pss (2048 bits); --ROLE-key-type TYPE for one Image role,",
    "                          --director-key-type TYPE for the Director's keys (a partial",
    "                          Secondary reads Ed25519 keys, or P-256 with partial-p256.wasm)",
    "  --rsa-bits N            the size of the RSA keys made: 2048 (default), 3072 or 4096",
    "  --pkcs11-module PATH --pkcs11-token LABEL --pkcs11-pin-file FILE",
    "                          make the online keys (Image snapshot and timestamp, Director",
    "                          targets, snapshot, timestamp and time server) inside the PKCS#11",
    "                          token LABEL of the module PATH, logging in with the PIN in FILE",
    "                          (mode 0600); DIR/keys/ then holds references (NAME.pkcs11.json),",
    "                          not the private keys, which never leave the token",
    "  --pkcs11-uri URI        the same as one RFC 7512 URI: 'pkcs11:token=LABEL?module-path=",
    "                          PATH&pin-source=file:FILE'",
    "  --pkcs11-keys online|all  which keys go to the token: the online ones (default), or",
    "                          every key, the roots and the other offline keys included",
  ].join("\n"),
  async init(ctx) {
    const thresholds: Partial<Record<TopRole, number>> = {};
    const expiryDays: Partial<ExpiryPolicy> = {};
    const keyTypes: Partial<Record<TopRole, KeyType>> = {};
    const all = keyTypeOption(ctx, "key-type");
    for (const role of TOP_ROLES) {
      const type = keyTypeOption(ctx, `${role}-key-type`) ?? all;
      if (type) keyTypes[role] = type;
      const t = positiveInt(ctx, `${role}-threshold`);
      if (t !== undefined) thresholds[role] = t;
      const d = positiveInt(ctx, `${role}-expiry-days`);
      if (d !== undefined) expiryDays[role] = d;
    }
    const rsaBits = rsaBitsOption(ctx.values);
    const types = [...Object.values(keyTypes), keyTypeOption(ctx, "director-key-type") ?? all];
    if (rsaBits !== undefined && !types.includes("rsa-pss")) throw new KeyOptionError("--rsa-bits applies to rsa-pss keys: give --key-type rsa-pss (or a --ROLE-key-type / --director-key-type rsa-pss)");
    const token = tokenConfigOption(ctx.values);
    const inToken = token === null ? [] : tokenRolesOption(ctx.values) === "all" ? TOP_ROLES : (["snapshot", "timestamp"] as TopRole[]);
    const keySpecs: Partial<Record<TopRole, KeySpec>> = {};
    for (const role of TOP_ROLES) keySpecs[role] = { type: keyTypes[role] ?? "ed25519", rsaBits, token: inToken.includes(role) ? token : null };
    const result = await createImageRepository(ctx.dir, { thresholds, expiryDays, keySpecs, now: ctx.now });
    return {
      repository: repositoryDir(ctx.dir),
      offlineKeys: offlineKeyDir(ctx.dir),
      onlineKeys: onlineKeyDir(ctx.dir),
      rootKeyIds: result.rootKeyIds,
      ...(token ? { keysInToken: inToken.map((r) => `image ${r}`), token: token.token } : {}),
    };
  },
  mount(router, dir, ctx) {
    const chain = new ServedImageChain(dir, ctx.log);
    router.mount("image", imageRoutes(dir, chain), { vehiclesOnly: true });
    ctx.upkeep(async () => {
      // The online roles, re-signed at half their life (refresh decides), before vehicles see them expire.
      try {
        const r = await refresh(dir, { now: ctx.clock() });
        if (r.resigned.length > 0) ctx.log(`re-signed Image snapshot and timestamp (timestamp version ${r.timestampVersion}, expires ${r.expires.timestamp})`);
        const state = await loadPublished(dir);
        for (const role of imageOfflineRoles(state)) ctx.warn(`image ${role.role}`, offlineRoleWarning(dir, role, ctx.clock(), ctx.warnDays)?.message ?? null);
      } catch (err) {
        ctx.warn("image refresh", `cannot re-sign the Image repository's online roles: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      ctx.warn("image refresh", null);
      await chain.problem();
    });
    ctx.startCheck(async () => {
      // Online keys in a PKCS#11 token: each opens and signs as its reference says.
      const state = await loadPublished(dir);
      for (const role of ["snapshot", "timestamp"] as const) for (const key of await signersFor(dir, role, state.root.signed.roles[role])) if (isTokenKey(key)) key.check();
      const problem = await chain.problem();
      if (problem) throw new Error(`the Image repository does not verify: ${problem}`);
    });
  },
};
