/* The flash figure's program: what a partial-verification Secondary calls through the C
 * kit (embed/c/uptane.h: provisioning with the pinned Director root, the cycle, root
 * rotations, Director targets streamed, the detail record, its target and the image check) and
 * nothing more, linked with --gc-sections so the translation's other exports drop out.
 * Inputs come from volatile globals so the compiler keeps every call. Built twice: with
 * UPTANE_VERIFIER=0 the same program without the verifier, so the difference is the
 * verifier's own cost. */
#include <stdint.h>

#ifndef UPTANE_VERIFIER
#define UPTANE_VERIFIER 1
#endif

volatile uint32_t in[8];
volatile uint32_t out;
static const uint8_t input[16];

#if UPTANE_VERIFIER
#include "uptane.h"

static uint8_t linear_memory[65536] __attribute__((aligned(16)));
static wasm_rt_memory_t memory;
static uptane_partial_t v;

int main(void) {
  uptane_runtime_init();
  uptane_memory_from_buffer(&memory, linear_memory, 1);
  out = (uint32_t)uptane_partial_open(&v, &memory, input, in[0], input, in[1], in[2], input, in[3]);
  out = (uint32_t)uptane_partial_begin(&v, in[4]);
  out = (uint32_t)uptane_partial_root(&v, input, in[0]);
  /* the Director targets streamed as ISO-TP delivers them (README "Streaming partial verification") */
  out = (uint32_t)uptane_targets_stream_begin(&v, in[1]);
  out = (uint32_t)uptane_targets_stream_chunk(&v, input, in[5]);
  out = (uint32_t)uptane_targets_stream_finish(&v);
  uptane_result_t res;
  uptane_partial_result(&v, &res);
  out = (uint32_t)res.outcome;
  uptane_target_t t;
  out = (uint32_t)uptane_partial_target(&v, &t);
  out = (uint32_t)t.length;
  out = (uint32_t)uptane_image_begin(&v);
  out = (uint32_t)uptane_image_update(&v, input, in[2]);
  out = (uint32_t)uptane_image_finish(&v);
  return 0;
}
#else
int main(void) {
  for (int i = 0; i < 16; i++) out = in[i & 7] + input[i];
  return 0;
}
#endif
