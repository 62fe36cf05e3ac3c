/* The wasm2c runtime for a bare-metal target, in place of wabt's wasm-rt-impl.c (which
 * maps memory with mmap, catches traps with signals and allocates with malloc): linear
 * memory is one static array the embedder hands to the module (UPTANE_PAGES pages of
 * 64 KiB; growing past them fails the way memory.grow fails at a maximum), tables and
 * function types live in small fixed arrays, and a trap long-jumps back to the caller's
 * wasm_rt_impl_try() (wasm-rt-impl.h) so that a verification that traps fails closed
 * with a trap code instead of stopping the ECU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "wasm-rt-impl.h"

#define MAX_FUNC_TYPES 32
#define MAX_FUNC_TYPE_ARITY 16
#define MAX_TABLE_ELEMENTS 8

jmp_buf wasm_rt_jmp_buf;
#if WASM_RT_USE_STACK_DEPTH_COUNT
uint32_t wasm_rt_call_stack_depth;
uint32_t wasm_rt_saved_call_stack_depth;
#endif
/* (build.ts compiles without the counter: recursion is bounded by the stack guard, stack-guard.h) */

static bool initialized;

void wasm_rt_init(void) { initialized = true; }
bool wasm_rt_is_initialized(void) { return initialized; }
void wasm_rt_free(void) { initialized = false; }

void wasm_rt_trap(wasm_rt_trap_t code) {
#if WASM_RT_USE_STACK_DEPTH_COUNT
  wasm_rt_call_stack_depth = wasm_rt_saved_call_stack_depth;
#endif
  WASM_RT_LONGJMP(wasm_rt_jmp_buf, code == WASM_RT_TRAP_NONE ? WASM_RT_TRAP_UNREACHABLE : code);
}

static WASM_RT_UNWIND_TARGET *unwind_target;
void wasm_rt_set_unwind_target(WASM_RT_UNWIND_TARGET *target) { unwind_target = target; }
WASM_RT_UNWIND_TARGET *wasm_rt_get_unwind_target(void) { return unwind_target; }

/* Function types are compared by value: call_indirect checks the index this returns. */
static struct {
  uint8_t params, results;
  uint8_t types[MAX_FUNC_TYPE_ARITY];
} func_types[MAX_FUNC_TYPES];
static uint32_t func_type_count;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  if (params + results > MAX_FUNC_TYPE_ARITY || func_type_count == MAX_FUNC_TYPES) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  uint8_t types[MAX_FUNC_TYPE_ARITY] = {0};
  va_list args;
  va_start(args, results);
  for (uint32_t i = 0; i < params + results; i++) types[i] = (uint8_t)va_arg(args, int);
  va_end(args);
  for (uint32_t i = 0; i < func_type_count; i++) {
    if (func_types[i].params == params && func_types[i].results == results && memcmp(func_types[i].types, types, sizeof types) == 0) return i + 1;
  }
  func_types[func_type_count].params = (uint8_t)params;
  func_types[func_type_count].results = (uint8_t)results;
  memcpy(func_types[func_type_count].types, types, sizeof types);
  return ++func_type_count;
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *memory, uint32_t delta) {
  uint32_t old = memory->pages;
  if (delta > memory->max_pages - old) return (uint32_t)-1;
  /* pages past the current size were never written: the static array is still zero there */
  memory->pages = old + delta;
  memory->size = memory->pages * 65536u;
  return old;
}

/* The modules have one small table (AssemblyScript's function references). It belongs to
 * the instance instantiated last: the kit runs one verifier at a time, and reopening it
 * (after a trap, which abandons the old instance without freeing it) instantiates the
 * module again, which must take the table over rather than fail. */
static wasm_rt_funcref_t table_elements[MAX_TABLE_ELEMENTS];

void wasm_rt_allocate_funcref_table(wasm_rt_funcref_table_t *table, uint32_t elements, uint32_t max_elements) {
  if (elements > MAX_TABLE_ELEMENTS) wasm_rt_trap(WASM_RT_TRAP_EXHAUSTION);
  memset(table_elements, 0, sizeof table_elements);
  table->data = table_elements;
  table->size = elements;
  table->max_size = max_elements < MAX_TABLE_ELEMENTS ? max_elements : MAX_TABLE_ELEMENTS;
}

void wasm_rt_free_funcref_table(wasm_rt_funcref_table_t *table) {
  table->data = NULL;
  table->size = 0;
}
