/* Instructions executed, counted by SysTick under qemu -icount shift=0: the virtual
 * clock advances one nanosecond per instruction and SysTick runs from the 25 MHz system
 * clock, so one tick is 40 instructions (insn_calibrate measures it on a loop of known
 * length). */
#ifndef UPTANE_INSN_COUNTER_H
#define UPTANE_INSN_COUNTER_H

#include <stdint.h>

void insn_counter_start(void);
/** SysTick ticks since insn_counter_start (wraps are counted by the SysTick interrupt). */
uint64_t insn_ticks(void);
/** Ticks taken by a loop of exactly `n` * 2 instructions. */
uint64_t insn_calibrate(uint32_t n);

#endif
