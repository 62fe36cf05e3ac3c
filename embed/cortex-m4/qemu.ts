// Runs a firmware image on qemu's mps2-an386 (Cortex-M4) with semihosting, counting
// instructions (-icount shift=0: one instruction per virtual nanosecond). Bounded in
// time: qemu is killed by its own pid when it overruns.
import { spawn } from "node:child_process";

/** Instructions per SysTick tick: SysTick runs from the 25 MHz system clock, 40 virtual ns. */
export const INSNS_PER_TICK = 40;

/**
 * Runs `elf` with the command line `args` (the firmware reads it over semihosting).
 * Resolves with qemu's exit status (the firmware's sh_exit status) and its console
 * output: the semihosting console goes to qemu's stdout or stderr depending on whether
 * stdout is a terminal, so `output` joins both.
 */
export function runOnQemu(elf: string, args: string[], timeoutMs = 120_000): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const qemu = spawn(
      "qemu-system-arm",
      ["-M", "mps2-an386", "-nographic", "-semihosting-config", "enable=on,target=native", "-icount", "shift=0", "-kernel", elf, "-append", args.join(" ")],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    qemu.stdout.on("data", (d: Buffer) => (stdout += d));
    qemu.stderr.on("data", (d: Buffer) => (stderr += d));
    const timer = setTimeout(() => {
      if (qemu.pid) process.kill(qemu.pid, "SIGKILL");
      reject(new Error(`qemu ran longer than ${timeoutMs} ms on ${args[0]}; killed`));
    }, timeoutMs);
    qemu.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    qemu.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output: stdout + stderr });
    });
  });
}

/** The firmware's "key value..." lines, in order. */
export function reportLines(output: string): Array<{ key: string; values: string[] }> {
  return output
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => {
      const [key = "", ...values] = l.trim().split(/\s+/);
      return { key, values };
    });
}

/** Instructions from a "ticks HIGH LOW" line. */
export function insnsOf(values: string[]): number {
  return (Number(values[0]) * 2 ** 32 + Number(values[1])) * INSNS_PER_TICK;
}
