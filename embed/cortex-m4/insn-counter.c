#include "insn-counter.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)
#define RELOAD 0xFFFFFFu

static volatile uint32_t wraps;

void systick_handler(void) { wraps++; }

void insn_counter_start(void) {
  SYST_CSR = 0;
  SYST_RVR = RELOAD;
  SYST_CVR = 0;
  wraps = 0;
  SYST_CSR = 7; /* enable, interrupt on wrap, processor clock */
}

uint64_t insn_ticks(void) {
  uint32_t w, v;
  do {
    w = wraps;
    v = SYST_CVR;
  } while (w != wraps);
  return (uint64_t)w * (RELOAD + 1) + (RELOAD - v);
}

uint64_t insn_calibrate(uint32_t n) {
  uint64_t t0 = insn_ticks();
  /* two instructions per iteration: subs, bne */
  __asm__ volatile("1: subs %0, %0, #1\n bne 1b" : "+r"(n) : : "cc");
  return insn_ticks() - t0;
}
