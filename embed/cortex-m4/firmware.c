/* Test and bench firmware for qemu mps2-an386: runs the wasm2c translation of
 * build/partial.wasm on inputs read from the host over semihosting and prints what it
 * saw, one "key value" line each, for tests/embed-cortex-m4.test.ts and the ecu bench
 * suite. The command line (qemu -append) picks the job:
 *   verify ROOT TARGETS SERIAL HWID NOW RC RUNS   partial verification (Uptane 5.4.4.1)
 *   ed25519 CASES                                 each case of a file from the test
 *   calibrate                                     SysTick ticks of a known instruction count
 * A trap in any module call long-jumps back to main's wasm_rt_impl_try(), which prints
 * "trap N" and ends the job with status 4. */
#include <stdint.h>
#include <string.h>

#include "insn-counter.h"
#include "partial.h"
#include "semihost.h"
#include "stack-meter.h"
#include "uptane_abi.h"
#include "wasm-rt-impl.h"

#ifndef UPTANE_PAGES
#define UPTANE_PAGES 1
#endif
#define PAGE 65536u

/* The module's imported linear memory: one static array, zero at reset. */
static uint8_t linear_memory[UPTANE_PAGES * PAGE] __attribute__((aligned(16)));
static wasm_rt_memory_t memory = {linear_memory, 0, UPTANE_PAGES, 0};

wasm_rt_memory_t *Z_envZ_memory(struct Z_env_instance_t *env) {
  (void)env;
  return &memory;
}

static Z_partial_instance_t m;
static uint8_t file_a[64 * 1024], file_b[128 * 1024];
static char cmdline[512];

void on_fault(uint32_t ipsr) {
  sh_report("fault", ipsr);
  sh_exit(3);
}

static void fail(const char *what) {
  sh_puts("error ");
  sh_puts(what);
  sh_puts("\n");
  sh_exit(2);
}

static uint32_t parse_u32(const char *s) {
  uint32_t v = 0;
  if (!*s) fail("number expected");
  for (; *s; s++) {
    if (*s < '0' || *s > '9') fail("number expected");
    v = v * 10 + (uint32_t)(*s - '0');
  }
  return v;
}

/** Copies bytes into a fresh module buffer; its address in linear memory. */
static uint32_t copy_in(const uint8_t *bytes, uint32_t len) {
  uint32_t ptr;
  ptr = Z_partialZ_alloc(&m, len);
  if (ptr == 0 || ptr + len > memory.size) fail("module buffer");
  memcpy(linear_memory + ptr, bytes, len);
  return ptr;
}

static void report_insns(const char *key, uint64_t ticks) {
  sh_puts(key);
  sh_puts(" ");
  sh_put_u32((uint32_t)(ticks >> 32));
  sh_puts(" ");
  sh_put_u32((uint32_t)ticks);
  sh_puts("\n");
}

static void report_memory(void) {
  sh_report("pages", memory.pages);
  uint32_t used;
  used = Z_partialZ_used(&m);
  sh_report("arena", used);
  sh_report("stack", stack_peak());
}

static void verify_job(char **argv) {
  const char *serial = argv[2], *hw = argv[3];
  uint32_t now = parse_u32(argv[4]), rc = parse_u32(argv[5]), runs = parse_u32(argv[6]);
  long root_len = sh_read_file(argv[0], file_a, sizeof file_a);
  long targets_len = sh_read_file(argv[1], file_b, sizeof file_b);
  if (root_len < 0 || targets_len < 0) fail("cannot read the root or the targets file");
  stack_paint();
  uint32_t code;
  Z_partialZ_reset(&m);
  uint32_t s = copy_in((const uint8_t *)serial, strlen(serial));
  uint32_t h = copy_in((const uint8_t *)hw, strlen(hw));
  code = Z_partialZ_configure(&m, s, strlen(serial), h, strlen(hw), 0, 0);
  if (code != 0) fail("configure");
  if (Z_partialZ_setInstalledReleaseCounter(&m, rc, 0) != 0) fail("setInstalledReleaseCounter");
  Z_partialZ_reset(&m);
  uint32_t r = copy_in(file_a, (uint32_t)root_len);
  code = Z_partialZ_loadRoot(&m, UPTANE_Repo_Director, r, (uint32_t)root_len);
  if (code != 0) {
    sh_report("root", code);
    sh_exit(0);
  }
  for (uint32_t run = 0; run < runs; run++) {
    Z_partialZ_reset(&m);
    uint32_t t = copy_in(file_b, (uint32_t)targets_len);
    uint64_t t0 = insn_ticks();
    code = Z_partialZ_cycleBegin(&m, now, 0);
    if (code != 0) fail("cycleBegin");
    code = Z_partialZ_partialTargets(&m, t, (uint32_t)targets_len);
    report_insns("ticks", insn_ticks() - t0);
  }
  uint32_t repo = Z_partialZ_result(&m, UPTANE_ResultField_Repo);
  uint32_t role = Z_partialZ_result(&m, UPTANE_ResultField_Role);
  report_memory();
  sh_report("repo", repo);
  sh_report("role", role);
  sh_report("outcome", code);
}

static uint32_t read_le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* The cases file: for each case, three length-prefixed fields (u32 little-endian):
 * public key, signature, message. One "verdict STATUS" line per case, in file order. */
static void ed25519_job(char **argv) {
  long len = sh_read_file(argv[0], file_b, sizeof file_b);
  if (len < 0) fail("cannot read the cases file");
  stack_paint();
  uint32_t at = 0, cases = 0;
  while (at < (uint32_t)len) {
    uint32_t field[3], flen[3];
    Z_partialZ_reset(&m);
    for (int f = 0; f < 3; f++) {
      if ((uint32_t)len - at < 4) fail("truncated cases file");
      flen[f] = read_le32(file_b + at);
      at += 4;
      if ((uint32_t)len - at < flen[f]) fail("truncated cases file");
      field[f] = copy_in(file_b + at, flen[f]);
      at += flen[f];
    }
    uint32_t status;
    uint64_t t0 = insn_ticks();
    status = Z_partialZ_ed25519VerifyBytes(&m, field[0], flen[0], field[1], flen[1], field[2], flen[2]);
    report_insns("ticks", insn_ticks() - t0);
    sh_report("verdict", status);
    cases++;
  }
  report_memory();
  sh_report("cases", cases);
}

int main(void) {
  insn_counter_start();
  if (sh_cmdline(cmdline, sizeof cmdline) != 0) fail("no command line");
  char *argv[16];
  int argc = 0;
  for (char *p = cmdline; *p && argc < 16;) {
    while (*p == ' ') *p++ = 0;
    if (!*p) break;
    argv[argc++] = p;
    while (*p && *p != ' ') p++;
  }
  /* argv[0] is the kernel's file name */
  if (argc < 2) fail("no job");
  wasm_rt_init();
  memory.pages = 1;
  memory.size = PAGE;
  Z_partial_init_module();
  wasm_rt_trap_t trap = (wasm_rt_trap_t)wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) {
    sh_report("trap", trap);
    sh_exit(4);
  }
  Z_partial_instantiate(&m, 0);
  if (strcmp(argv[1], "verify") == 0 && argc == 9) verify_job(argv + 2);
  else if (strcmp(argv[1], "ed25519") == 0 && argc == 3) ed25519_job(argv + 2);
  else if (strcmp(argv[1], "calibrate") == 0) report_insns("ticks", insn_calibrate(1000000));
  else fail("unknown job or wrong arguments");
  sh_exit(0);
}
