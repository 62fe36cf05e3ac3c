/* Reset and exception vectors for the Cortex-M4 on qemu's mps2-an386: copies .data
 * from flash, clears .bss and calls main. A fault calls on_fault (weak: the test
 * firmware reports it over semihosting; an ECU would reset). */
#include <stdint.h>

extern uint32_t __data_load[], __data_start[], __data_end[], __bss_start[], __bss_end[], __stack_top[];
int main(void);
void systick_handler(void);

__attribute__((weak, noreturn)) void on_fault(uint32_t ipsr) {
  (void)ipsr;
  for (;;) {
  }
}

static void fault_handler(void) {
  uint32_t ipsr;
  __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
  on_fault(ipsr);
}

__attribute__((weak)) void systick_handler(void) {}

__attribute__((noreturn)) void reset_handler(void) {
  for (uint32_t *src = __data_load, *dst = __data_start; dst < __data_end;) *dst++ = *src++;
  for (uint32_t *dst = __bss_start; dst < __bss_end;) *dst++ = 0;
  main();
  on_fault(0);
}

/* Initial stack pointer, then the handlers: reset, NMI, HardFault, MemManage, BusFault,
 * UsageFault, four reserved, SVCall, DebugMonitor, reserved, PendSV, SysTick. */
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))__stack_top, (void (*)(void))reset_handler,
    fault_handler, fault_handler, fault_handler, fault_handler, fault_handler,
    0, 0, 0, 0,
    fault_handler, fault_handler, 0, fault_handler, systick_handler,
};
