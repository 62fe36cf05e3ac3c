/* Test and bench firmware for qemu mps2-an386: the C kit's partial verifier
 * (embed/c/uptane.h over the wasm2c translation of build/partial.wasm) on inputs read
 * from the host over semihosting; prints what it saw, one "key value" line each, for
 * tests/embed-cortex-m4.test.ts and the ecu bench suite. The command line (qemu -append)
 * picks the job:
 *   verify ROOT TARGETS SERIAL HWID NOW RC RUNS   partial verification (Uptane 5.4.4.1), streamed
 *   exhaust ROOT TARGETS SERIAL HWID NOW RC       the verifier opened with its stack almost
 *                                                 spent (it must trap), then opened again
 *                                                 with the whole stack and run once
 *   ed25519 CASES                                 each case of a file from the test
 *   calibrate                                     SysTick ticks of a known instruction count
 * Instruction counts are SysTick ticks ("ticks HIGH LOW"), see insn-counter.h. */
#include <stdint.h>
#include <string.h>

#include "insn-counter.h"
#include "semihost.h"
#include "stack-meter.h"
#include "uptane.h"
#include "wasm-rt-impl.h"

#ifndef UPTANE_PAGES
#define UPTANE_PAGES 1
#endif
#define PAGE 65536u

/* The module's linear memory: a static array; it starts at the module's minimum and
 * may grow up to UPTANE_PAGES (wasm-rt-static.c), so the pages it reports are its peak. */
static uint8_t linear_memory[UPTANE_PAGES * PAGE] __attribute__((aligned(16)));
static wasm_rt_memory_t memory;
static uptane_partial_t v;
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
  uint32_t n = 0;
  if (!*s) fail("number expected");
  for (; *s; s++) {
    if (*s < '0' || *s > '9') fail("number expected");
    n = n * 10 + (uint32_t)(*s - '0');
  }
  return n;
}

static void report_ticks(const char *key, uint64_t ticks) {
  sh_puts(key);
  sh_puts(" ");
  sh_put_u32((uint32_t)(ticks >> 32));
  sh_puts(" ");
  sh_put_u32((uint32_t)ticks);
  sh_puts("\n");
}

/* A trap is reported as the verdict "trapped"; the job still ends normally. */
static void report_code(const char *key, int code) {
  if (code == UPTANE_TRAPPED) sh_report("trap", 1);
  sh_report(key, (uint32_t)code);
}

static void report_memory(void) {
  sh_report("pages", uptane_partial_pages(&v));
  sh_report("arena", Z_partialZ_used(&v.module));
  sh_report("stack", stack_peak());
}

static void fresh_memory(void) {
  memory.data = linear_memory;
  memory.pages = UPTANE_PARTIAL_MIN_PAGES;
  memory.max_pages = UPTANE_PAGES;
  memory.size = memory.pages * PAGE;
}

/* The Director targets in the pieces an ISO-TP transfer delivers, streamed through the
 * module (README "Streaming partial verification"): its memory never holds them whole. */
#define TARGETS_PIECE 256
static int stream_targets(const uint8_t *doc, size_t len) {
  int code = uptane_targets_stream_begin(&v, len);
  for (size_t at = 0; code == UPTANE_Outcome_Ok && at < len; at += TARGETS_PIECE)
    code = uptane_targets_stream_chunk(&v, doc + at, len - at < TARGETS_PIECE ? len - at : TARGETS_PIECE);
  return code == UPTANE_Outcome_Ok ? uptane_targets_stream_finish(&v) : code;
}

extern char __stack_guard[]; /* mps2-an386.ld */

/* Opens the verifier once the stack pointer is past the stack guard (stack-guard.h), as
 * if the firmware had spent its stack before calling: recursion in the module must trap
 * there (UPTANE_TRAPPED) rather than run off the stack's end. */
static int __attribute__((noinline)) open_low_on_stack(const char *serial, const char *hw, uint32_t rc, size_t root_len) {
  volatile uint8_t pad[64];
  pad[0] = 0;
  if ((uintptr_t)pad >= (uintptr_t)__stack_guard) return open_low_on_stack(serial, hw, rc, root_len) + pad[0];
  return uptane_partial_open(&v, &memory, (const uint8_t *)serial, strlen(serial), (const uint8_t *)hw, strlen(hw), rc, file_a, root_len);
}

static void exhaust_job(char **argv) {
  const char *serial = argv[2], *hw = argv[3];
  uint32_t now = parse_u32(argv[4]), rc = parse_u32(argv[5]);
  long root_len = sh_read_file(argv[0], file_a, sizeof file_a);
  long targets_len = sh_read_file(argv[1], file_b, sizeof file_b);
  if (root_len < 0 || targets_len < 0) fail("cannot read the root or the targets file");
  fresh_memory();
  report_code("low-stack-open", open_low_on_stack(serial, hw, rc, (size_t)root_len));
  /* a trap ends that instance: the ECU opens the verifier again */
  fresh_memory();
  int code = uptane_partial_open(&v, &memory, (const uint8_t *)serial, strlen(serial), (const uint8_t *)hw, strlen(hw), rc, file_a, (size_t)root_len);
  report_code("root", code);
  if (code == UPTANE_Outcome_Ok) code = uptane_partial_begin(&v, now);
  if (code == UPTANE_Outcome_Ok) code = stream_targets(file_b, (size_t)targets_len);
  report_code("outcome", code);
}

static void verify_job(char **argv) {
  const char *serial = argv[2], *hw = argv[3];
  uint32_t now = parse_u32(argv[4]), rc = parse_u32(argv[5]), runs = parse_u32(argv[6]);
  long root_len = sh_read_file(argv[0], file_a, sizeof file_a);
  long targets_len = sh_read_file(argv[1], file_b, sizeof file_b);
  if (root_len < 0 || targets_len < 0) fail("cannot read the root or the targets file");
  stack_paint();
  fresh_memory();
  uint64_t t0 = insn_ticks();
  int code = uptane_partial_open(&v, &memory, (const uint8_t *)serial, strlen(serial), (const uint8_t *)hw, strlen(hw), rc, file_a, (size_t)root_len);
  report_ticks("root-ticks", insn_ticks() - t0);
  if (code != UPTANE_Outcome_Ok) {
    report_code("root", code);
    return;
  }
  for (uint32_t run = 0; run < runs; run++) {
    t0 = insn_ticks();
    code = uptane_partial_begin(&v, now);
    if (code == UPTANE_Outcome_Ok) code = stream_targets(file_b, (size_t)targets_len);
    report_ticks("ticks", insn_ticks() - t0);
  }
  uptane_result_t res;
  uptane_partial_result(&v, &res);
  report_memory();
  sh_report("repo", (uint32_t)res.repo);
  sh_report("role", (uint32_t)res.role);
  report_code("outcome", code);
}

static uint32_t read_le32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* Ed25519 through the module's export itself (the kit's call takes only well-sized keys
 * and signatures; Wycheproof has others, and the module must refuse them). */
static int ed25519_verify_bytes(const uint8_t *pk, uint32_t pk_len, const uint8_t *sig, uint32_t sig_len, const uint8_t *msg, uint32_t len) {
  if (wasm_rt_impl_try() != 0) return UPTANE_TRAPPED;
  Z_partialZ_reset(&v.module);
  const uint8_t *src[3] = {pk, sig, msg};
  uint32_t n[3] = {pk_len, sig_len, len}, ptr[3];
  for (int i = 0; i < 3; i++) {
    ptr[i] = Z_partialZ_alloc(&v.module, n[i] ? n[i] : 1);
    if (ptr[i] == 0 || (uint64_t)ptr[i] + n[i] > memory.size) return UPTANE_MISUSE;
    memcpy(memory.data + ptr[i], src[i], n[i]);
  }
  return (int)Z_partialZ_ed25519VerifyBytes(&v.module, ptr[0], n[0], ptr[1], n[1], ptr[2], n[2]);
}

/* The cases file: for each case, three length-prefixed fields (u32 little-endian):
 * public key, signature, message. One "verdict STATUS" line per case, in file order. */
static void ed25519_job(char **argv) {
  long len = sh_read_file(argv[0], file_b, sizeof file_b);
  if (len < 0) fail("cannot read the cases file");
  stack_paint();
  fresh_memory();
  v.env.memory = &memory;
  if (wasm_rt_impl_try() != 0) fail("trap while instantiating");
  Z_partial_instantiate(&v.module, &v.env);
  uint32_t at = 0, cases = 0;
  while (at < (uint32_t)len) {
    const uint8_t *field[3];
    uint32_t flen[3];
    for (int f = 0; f < 3; f++) {
      if ((uint32_t)len - at < 4) fail("truncated cases file");
      flen[f] = read_le32(file_b + at);
      at += 4;
      if ((uint32_t)len - at < flen[f]) fail("truncated cases file");
      field[f] = file_b + at;
      at += flen[f];
    }
    uint64_t t0 = insn_ticks();
    int status = ed25519_verify_bytes(field[0], flen[0], field[1], flen[1], field[2], flen[2]);
    report_ticks("ticks", insn_ticks() - t0);
    report_code("verdict", status);
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
  uptane_runtime_init();
  if (strcmp(argv[1], "verify") == 0 && argc == 9) verify_job(argv + 2);
  else if (strcmp(argv[1], "exhaust") == 0 && argc == 8) exhaust_job(argv + 2);
  else if (strcmp(argv[1], "ed25519") == 0 && argc == 3) ed25519_job(argv + 2);
  else if (strcmp(argv[1], "calibrate") == 0) report_ticks("ticks", insn_calibrate(1000000));
  else fail("unknown job or wrong arguments");
  sh_exit(0);
}
