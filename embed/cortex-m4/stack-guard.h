/* The stack guard the Cortex-M4 build puts at the start of every function of the
 * translation that lies on a call-graph cycle (embed/cortex-m4/build.ts, guardRecursion),
 * in place of wasm2c's call-depth counter: below __stack_guard (mps2-an386.ld: the
 * stack's end plus a margin for the frames between two guards) the call traps with
 * WASM_RT_TRAP_EXHAUSTION, which the kit returns as UPTANE_TRAPPED, instead of running
 * off the stack. */
#ifndef UPTANE_STACK_GUARD_H
#define UPTANE_STACK_GUARD_H

#include <stdint.h>

extern char __stack_guard[];

static inline __attribute__((always_inline)) uintptr_t stack_pointer(void) {
  uintptr_t sp;
  __asm__ volatile("mov %0, sp" : "=r"(sp));
  return sp;
}

#define STACK_GUARD \
  if (__builtin_expect(stack_pointer() < (uintptr_t)__stack_guard, 0)) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION)

#endif
