#include "stack-meter.h"

#define PATTERN 0xA5A5A5A5u

extern uint32_t __stack_limit[], __stack_top[];

__attribute__((noinline)) void stack_paint(void) {
  /* leave this function's own frame (and a margin) alone */
  uint32_t *end = (uint32_t *)__builtin_frame_address(0) - 16;
  for (uint32_t *p = __stack_limit; p < end; p++) *p = PATTERN;
}

uint32_t stack_peak(void) {
  uint32_t *p = __stack_limit;
  while (p < __stack_top && *p == PATTERN) p++;
  return (uint32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}
