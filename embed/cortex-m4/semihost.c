#include "semihost.h"

#include <string.h>

enum {
  SYS_OPEN = 0x01,
  SYS_CLOSE = 0x02,
  SYS_WRITE0 = 0x04,
  SYS_READ = 0x06,
  SYS_FLEN = 0x0c,
  SYS_GET_CMDLINE = 0x15,
  SYS_EXIT_EXTENDED = 0x20,
  ADP_STOPPED_APPLICATION_EXIT = 0x20026,
};

/* The M-profile semihosting trap: operation in r0, argument block in r1, result in r0. */
static uintptr_t semihost(uintptr_t op, const void *arg) {
  register uintptr_t r0 __asm__("r0") = op;
  register const void *r1 __asm__("r1") = arg;
  __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
  return r0;
}

void sh_puts(const char *s) { semihost(SYS_WRITE0, s); }

void sh_put_u32(uint32_t v) {
  char buf[11];
  char *p = buf + sizeof buf - 1;
  *p = 0;
  do {
    *--p = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  sh_puts(p);
}

void sh_report(const char *key, uint32_t value) {
  sh_puts(key);
  sh_puts(" ");
  sh_put_u32(value);
  sh_puts("\n");
}

int sh_cmdline(char *buf, size_t size) {
  uintptr_t block[2] = {(uintptr_t)buf, size};
  return semihost(SYS_GET_CMDLINE, block) == 0 ? 0 : -1;
}

long sh_read_file(const char *path, uint8_t *buf, size_t size) {
  uintptr_t open[3] = {(uintptr_t)path, 1 /* "rb" */, strlen(path)};
  intptr_t fd = (intptr_t)semihost(SYS_OPEN, open);
  if (fd < 0) return -1;
  uintptr_t handle = (uintptr_t)fd;
  intptr_t len = (intptr_t)semihost(SYS_FLEN, &handle);
  long result = -1;
  if (len >= 0 && (size_t)len <= size) {
    uintptr_t read[3] = {handle, (uintptr_t)buf, (uintptr_t)len};
    /* SYS_READ returns the number of bytes NOT read */
    if (semihost(SYS_READ, read) == 0) result = len;
  }
  semihost(SYS_CLOSE, &handle);
  return result;
}

void sh_exit(int status) {
  uintptr_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uintptr_t)status};
  semihost(SYS_EXIT_EXTENDED, block);
  for (;;) {
  }
}
