/* Peak stack by painting (the stack sits at the start of RAM, mps2-an386.ld): fill the
 * unused stack with a pattern, run, then find the lowest word that changed. */
#ifndef UPTANE_STACK_METER_H
#define UPTANE_STACK_METER_H

#include <stdint.h>

void stack_paint(void);
/** Bytes of stack in use at the deepest point since stack_paint. */
uint32_t stack_peak(void);

#endif
