// Builds the Cortex-M4 images for qemu's mps2-an386 from build/partial.wasm (run
// `npm run build` first): wasm2c translates the module, arm-none-eabi-gcc compiles it
// with our startup, linker script and bare-metal wasm2c runtime. Outputs, in
// build/cortex-m4/:
//   firmware.elf      the test and bench firmware (firmware.c: jobs over semihosting)
//   ecu-partial.elf   what a partial-verification ECU links (ecu-partial.c), for flash
//   ecu-base.elf      the same program without the verifier (the flash baseline)
// Usage: node --import tsx embed/cortex-m4/build.ts   (or import { buildCortexM4 })
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const out = join(root, "build", "cortex-m4");

/** The compiler flags of the README's recipe. NDEBUG drops the translation's asserts (and newlib's printf with them). */
export const CFLAGS = ["-Os", "-DNDEBUG", "-mcpu=cortex-m4", "-mthumb", "-ffunction-sections", "-fdata-sections"];
export const LDFLAGS = ["-mcpu=cortex-m4", "-mthumb", "-nostartfiles", "--specs=nano.specs", "--specs=nosys.specs", "-Wl,--gc-sections"];
/** Linear memory pages the test firmware gives the module (the bench reports the pages it used). */
const FIRMWARE_PAGES = 4;

/** wasm2c's runtime headers: wasm-rt.h ships in /usr/include, wasm-rt-impl.h with the runtime sources. */
const WASM_RT_H = "/usr/include/wasm-rt.h";
const WASM_RT_IMPL_DIR = "/usr/share/wabt/wasm2c";

function newest(paths: string[]): number {
  return Math.max(...paths.map((p) => statSync(p).mtimeMs));
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ["ignore", "ignore", "inherit"] });
}

/** Builds (when a source is newer than the images) and returns the paths of the three images. */
export interface CortexM4Images {
  firmware: string;
  ecuPartial: string;
  ecuBase: string;
}

export function buildCortexM4(): CortexM4Images {
  const images: CortexM4Images = { firmware: join(out, "firmware.elf"), ecuPartial: join(out, "ecu-partial.elf"), ecuBase: join(out, "ecu-base.elf") };
  const wasm = join(root, "build", "partial.wasm");
  if (!existsSync(wasm)) throw new Error("build/partial.wasm is missing: run `npm run build` first");
  const sources = [wasm, join(root, "build", "c", "uptane_abi.h"), ...readdirSync(here).map((f) => join(here, f))];
  if (Object.values(images).every((p) => existsSync(p)) && newest(Object.values(images)) > newest(sources)) return images;

  mkdirSync(join(out, "include"), { recursive: true });
  copyFileSync(WASM_RT_H, join(out, "include", "wasm-rt.h"));
  run("wasm2c", [wasm, "-n", "partial", "-o", join(out, "partial.c")]);
  // build/c/uptane_abi.h: the named ABI, written by `npm run build`
  const include = [`-I${out}`, `-I${join(out, "include")}`, `-I${WASM_RT_IMPL_DIR}`, `-I${here}`, `-I${join(root, "build", "c")}`];
  // our sources build warning-free; the generated translation is not ours to lint
  const cc = (src: string, obj: string, defines: string[] = [], warnings = ["-Wall", "-Wextra"]): string => {
    run("arm-none-eabi-gcc", [...CFLAGS, ...warnings, ...include, ...defines, "-c", src, "-o", join(out, obj)]);
    return join(out, obj);
  };
  const link = (objs: string[], elf: string): void => run("arm-none-eabi-gcc", [...LDFLAGS, "-T", join(here, "mps2-an386.ld"), ...objs, "-o", elf, `-Wl,-Map=${elf.replace(/\.elf$/, ".map")}`]);

  const module = cc(join(out, "partial.c"), "partial.o", [], ["-w"]);
  const runtime = cc(join(here, "wasm-rt-static.c"), "wasm-rt-static.o");
  const startup = cc(join(here, "startup.c"), "startup.o");
  const firmware = [
    cc(join(here, "firmware.c"), "firmware.o", [`-DUPTANE_PAGES=${FIRMWARE_PAGES}`]),
    cc(join(here, "semihost.c"), "semihost.o"),
    cc(join(here, "insn-counter.c"), "insn-counter.o"),
    cc(join(here, "stack-meter.c"), "stack-meter.o"),
  ];
  link([startup, module, runtime, ...firmware], images.firmware);
  link([startup, module, runtime, cc(join(here, "ecu-partial.c"), "ecu-partial.o")], images.ecuPartial);
  link([startup, cc(join(here, "ecu-partial.c"), "ecu-base.o", ["-DUPTANE_VERIFIER=0"])], images.ecuBase);
  return images;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const images = buildCortexM4();
  for (const p of Object.values(images)) console.log(p);
}
