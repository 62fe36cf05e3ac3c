/*
 * vectors.c: the crypto of both translated modules on test vectors, for
 * tests/embed-c.test.ts (Wycheproof Ed25519, SHA-256/512 against Node). Reads lines
 *   ed25519 PUBLIC_KEY_HEX SIGNATURE_HEX MESSAGE_HEX
 *   sha256 MESSAGE_HEX   |   sha512 MESSAGE_HEX
 * ("-" for an empty hex field) and prints, per line, the result of partial.wasm (through
 * uptane.h) and of full.wasm (its wasm2c exports called directly): "0 0", or two digests.
 * And, for differential tests of whole partial verifications:
 *   partial NOW SERIAL HARDWARE_ID ROOT_HEX TARGETS_HEX
 * prints "OUTCOME REPO ROLE DETAIL" of a fresh verifier (partial.wasm only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "full.h"
#include "uptane.h"
#include "wasm-rt-impl.h"

#define LINE_MAX_BYTES (1 << 20)

static size_t unhex(const char *s, uint8_t *out, size_t cap) {
  if (!strcmp(s, "-")) return 0;
  size_t n = strlen(s) / 2;
  if (n > cap) n = cap;
  for (size_t i = 0; i < n; i++) sscanf(s + 2 * i, "%2hhx", &out[i]);
  return n;
}

static void hex(const uint8_t *b, size_t n) {
  for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

/* full.wasm through its generated exports: copy into the arena, call, read back. */
static Z_full_instance_t full;
static struct Z_env_instance_t full_env;

static uint32_t full_in(const uint8_t *b, size_t n) {
  uint32_t p = Z_fullZ_alloc(&full, n ? (uint32_t)n : 1);
  if (p == 0 || (uint64_t)p + n > full_env.memory->size) { fprintf(stderr, "full.wasm arena full\n"); exit(1); }
  memcpy(full_env.memory->data + p, b, n);
  return p;
}

int main(void) {
  uptane_runtime_init();
  Z_full_init_module();
  wasm_rt_memory_t pm, fm;
  wasm_rt_allocate_memory(&pm, UPTANE_PARTIAL_MIN_PAGES, 64);
  wasm_rt_allocate_memory(&fm, UPTANE_FULL_MIN_PAGES, 64);
  static uptane_partial_t v;
  static const uint8_t none[1];
  if (uptane_partial_open(&v, &pm, (const uint8_t *)"vectors", 7, (const uint8_t *)"hw", 2, 0, none, 0) == UPTANE_TRAPPED) return 1;
  full_env.memory = &fm;
  if (wasm_rt_impl_try() != 0) { fprintf(stderr, "full.wasm trapped\n"); return 1; }
  Z_full_instantiate(&full, &full_env);

  static char line[LINE_MAX_BYTES];
  static uint8_t a[4096], b[4096], msg[LINE_MAX_BYTES / 2]; /* keys and signatures of any length reach full.wasm as given */
  while (fgets(line, sizeof line, stdin)) {
    char *kind = strtok(line, " \n");
    if (!kind) continue;
    if (!strcmp(kind, "ed25519")) {
      const char *pk = strtok(NULL, " \n"), *sig = strtok(NULL, " \n"), *m = strtok(NULL, " \n");
      if (!pk || !sig || !m) return 2;
      size_t pkl = unhex(pk, a, sizeof a), sigl = unhex(sig, b, sizeof b), ml = unhex(m, msg, sizeof msg);
      /* uptane.h takes exactly 32 + 64 bytes: other lengths go to the module as given */
      int pr;
      if (pkl == 32 && sigl == 64) pr = uptane_ed25519_verify(&v, a, b, msg, ml);
      else pr = UPTANE_CryptoStatus_BadLength;
      Z_fullZ_reset(&full);
      uint32_t k = full_in(a, pkl), s = full_in(b, sigl), mm = full_in(msg, ml);
      int fr = (int)Z_fullZ_ed25519VerifyBytes(&full, k, (uint32_t)pkl, s, (uint32_t)sigl, mm, (uint32_t)ml);
      printf("%d %d\n", pr, fr);
    } else if (!strcmp(kind, "sha256") || !strcmp(kind, "sha512")) {
      int big = kind[3] == '5';
      size_t dn = big ? 64 : 32;
      const char *m = strtok(NULL, " \n");
      if (!m) return 2;
      size_t ml = unhex(m, msg, sizeof msg);
      uint8_t pd[64], fd[64];
      int pr = big ? uptane_sha512(&v, msg, ml, pd) : uptane_sha256(&v, msg, ml, pd);
      Z_fullZ_reset(&full);
      uint32_t mm = full_in(msg, ml), out = Z_fullZ_alloc(&full, (uint32_t)dn);
      int fr = (int)(big ? Z_fullZ_sha512Digest(&full, mm, (uint32_t)ml, out) : Z_fullZ_sha256Digest(&full, mm, (uint32_t)ml, out));
      memcpy(fd, fm.data + out, dn);
      if (pr != 0 || fr != 0) { printf("error %d %d\n", pr, fr); continue; }
      hex(pd, dn);
      printf(" ");
      hex(fd, dn);
      printf("\n");
    } else if (!strcmp(kind, "partial")) {
      const char *now = strtok(NULL, " \n"), *serial = strtok(NULL, " \n"), *hw = strtok(NULL, " \n");
      const char *root = strtok(NULL, " \n"), *targets = strtok(NULL, " \n");
      if (!now || !serial || !hw || !root || !targets) return 2;
      static uint8_t root_bytes[LINE_MAX_BYTES / 4];
      size_t rl = unhex(root, root_bytes, sizeof root_bytes), tl = unhex(targets, msg, sizeof msg);
      uptane_result_t res;
      int o = uptane_partial_open(&v, &pm, (const uint8_t *)serial, strlen(serial), (const uint8_t *)hw, strlen(hw), 0, root_bytes, rl);
      if (o == UPTANE_Outcome_Ok) o = uptane_partial_begin(&v, strtoull(now, NULL, 10));
      if (o == UPTANE_Outcome_Ok) o = uptane_partial_targets(&v, msg, tl);
      uptane_partial_result(&v, &res);
      printf("%d %d %d %d\n", o, res.repo, res.role, res.detail);
    } else return 2;
  }
  return 0;
}
