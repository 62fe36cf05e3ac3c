/* Arm semihosting (the debugger interface qemu implements with
 * -semihosting-config enable=on): console output, host files, the command line and the
 * exit status. Only the bench and test firmware use it; the verifier never does I/O. */
#ifndef UPTANE_SEMIHOST_H
#define UPTANE_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

void sh_puts(const char *s);
void sh_put_u32(uint32_t v);
/** "key value\n" on the console. */
void sh_report(const char *key, uint32_t value);
/** The command line qemu was given with -append (after the kernel's name); 0 on success. */
int sh_cmdline(char *buf, size_t size);
/** Reads a whole host file into buf (at most size bytes); its length, or -1. */
long sh_read_file(const char *path, uint8_t *buf, size_t size);
__attribute__((noreturn)) void sh_exit(int status);

#endif
