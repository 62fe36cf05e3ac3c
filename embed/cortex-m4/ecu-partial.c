/* The flash figure's program: what a partial-verification Secondary calls and nothing
 * more (identity, the pinned Director root, root rotations, Director targets, the image
 * check, the detail record, verified target rows and its saved state), linked with
 * --gc-sections so the translation's other exports drop out. Inputs come from volatile
 * globals so the compiler keeps every call. Built twice: with UPTANE_VERIFIER=0 the
 * same program without the verifier, so the difference is the verifier's own cost. */
#include <stdint.h>

#ifndef UPTANE_VERIFIER
#define UPTANE_VERIFIER 1
#endif

volatile uint32_t in[8];
volatile uint32_t out;

#if UPTANE_VERIFIER
#include "partial.h"
#include "wasm-rt-impl.h"

static uint8_t linear_memory[65536] __attribute__((aligned(16)));
static wasm_rt_memory_t memory = {linear_memory, 1, 1, 65536};
static Z_partial_instance_t m;

wasm_rt_memory_t *Z_envZ_memory(struct Z_env_instance_t *env) {
  (void)env;
  return &memory;
}

int main(void) {
  wasm_rt_init();
  Z_partial_init_module();
  if (wasm_rt_impl_try() != 0) return 1;
  Z_partial_instantiate(&m, 0);
  Z_partialZ_reset(&m);
  out = Z_partialZ_alloc(&m, in[0]);
  out = Z_partialZ_configure(&m, in[0], in[1], in[2], in[3], in[4], in[5]);
  out = Z_partialZ_setInstalledReleaseCounter(&m, in[0], in[1]);
  out = Z_partialZ_stateImport(&m, in[0], in[1]);
  out = Z_partialZ_loadRoot(&m, in[0], in[1], in[2]);
  out = Z_partialZ_cycleBegin(&m, in[0], in[1]);
  out = Z_partialZ_rootRotation(&m, in[0], in[1], in[2]);
  out = Z_partialZ_rootFinish(&m, in[0]);
  out = Z_partialZ_partialTargets(&m, in[0], in[1]);
  out = Z_partialZ_result(&m, in[0]);
  out = Z_partialZ_target(&m, in[0], in[1]);
  out = Z_partialZ_imageBegin(&m, in[0]);
  out = Z_partialZ_imageUpdate(&m, in[0], in[1]);
  out = Z_partialZ_imageFinish(&m);
  out = Z_partialZ_stateSize(&m);
  out = Z_partialZ_stateExport(&m, in[0]);
  return 0;
}
#else
int main(void) {
  for (int i = 0; i < 16; i++) out = in[i & 7];
  return 0;
}
#endif
