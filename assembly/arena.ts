// Input arena: the buffers the host writes untrusted bytes into.
//
// The modules use the stub runtime and never allocate managed objects, so the memory
// above __heap_base belongs to this arena alone. `arenaAlloc` bumps a pointer and grows
// memory only when the peak is exceeded; `arenaReset` rewinds it, so repeated
// verifications of the same size reuse the same pages (DESIGN.md section 3: flat memory).

let arenaTop: usize = 0;
let arenaCap: usize = 64 << 20; // hard cap on what one call may claim (bytes)

function arenaBase(): usize {
  return (__heap_base + 15) & ~(<usize>15);
}

/** Hands out `len` bytes aligned to 16, or 0 when that would pass the arena's cap or memory cannot grow. */
export function arenaAlloc(len: usize): usize {
  if (arenaTop == 0) arenaTop = arenaBase();
  const ptr = arenaTop;
  const end = ptr + ((len + 15) & ~(<usize>15));
  if (end < ptr || end - arenaBase() > arenaCap) return 0;
  const have = <usize>memory.size() << 16;
  if (end > have) {
    const pages = <i32>((end - have + 0xffff) >> 16);
    if (memory.grow(pages) < 0) return 0;
  }
  arenaTop = end;
  return ptr;
}

let generation: u32 = 1;

/** Forgets every buffer handed out since the last reset. */
export function arenaReset(): void {
  arenaTop = arenaBase();
  generation++;
}

/** Changes on every reset, so state that points into the arena can tell it is gone. */
export function arenaGeneration(): u32 {
  return generation;
}

/** Bytes handed out since the last reset (for peak-memory reporting). */
export function arenaUsed(): usize {
  return arenaTop == 0 ? 0 : arenaTop - arenaBase();
}

export function arenaSetCap(bytes: usize): void {
  arenaCap = bytes;
}

/** The arena's top, to hand back with arenaRelease (scratch parses that are done with). */
export function arenaMark(): usize {
  if (arenaTop == 0) arenaTop = arenaBase();
  return arenaTop;
}

/** Forgets the buffers handed out since `mark` (the pages stay). */
export function arenaRelease(mark: usize): void {
  if (mark >= arenaBase() && mark <= arenaTop) arenaTop = mark;
}
