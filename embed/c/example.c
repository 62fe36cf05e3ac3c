/*
 * example.c: a partial-verification ECU on a host, in C (README "Embedding on an ECU").
 * Provisions the Director root, verifies Director targets from files, streams an image
 * file through the image check and prints the outcome, then one JSON line.
 *
 *   uptane-example --root root.json [--rotation 2.root.json ...] --targets targets.json
 *                  --ecu SERIAL --hardware-id HW --time UNIX_SECONDS
 *                  [--installed-release-counter N] [--image FILE] [--max-pages N]
 *                  [--state FILE] [--stream]
 *
 * --stream feeds targets.json in chunks as it is read, never holding it whole (it must
 * be canonical JSON, as a Primary forwards it): one page verifies any size.
 *
 * --state FILE keeps the trusted state between runs, as an ECU keeps it in flash: read
 * when it exists (with FILE.root, the last accepted root rotation, replacing --root),
 * written after Ok or NoUpdate.
 *
 * Exit status as `uptane verify`: 0 Ok, 3 NoUpdate, 1 a failed check, 2 bad usage.
 * File I/O and the heap live here only; the verifier (uptane.c, update_flow.c) has none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "update_flow.h"

#define MAX_ROTATIONS 16

static int usage(const char *why) {
  fprintf(stderr, "uptane-example: %s\n", why);
  fprintf(stderr, "usage: uptane-example --root FILE [--rotation FILE ...] --targets FILE --ecu SERIAL "
                  "--hardware-id HW --time UNIX_SECONDS [--installed-release-counter N] [--image FILE] [--max-pages N] [--state FILE] [--stream]\n");
  return 2;
}

/* The whole file in a heap buffer (metadata documents only; the image is streamed). */
static uint8_t *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
    n += got;
    if (n == cap) {
      uint8_t *bigger = realloc(buf, cap *= 2);
      if (!bigger) free(buf);
      buf = bigger;
    }
  }
  fclose(f);
  *len = n;
  return buf;
}

static size_t read_stream(void *ctx, uint8_t *buf, size_t cap) {
  return fread(buf, 1, cap, (FILE *)ctx);
}

static int parse_u64(const char *s, uint64_t *out) {
  char *end;
  if (!*s || *s == '-') return 0;
  *out = strtoull(s, &end, 10);
  return *end == 0;
}

static void print_json_name(const char *key, const char *name) {
  if (name) printf(",\"%s\":\"%s\"", key, name);
  else printf(",\"%s\":null", key);
}

int main(int argc, char **argv) {
  const char *root_path = NULL, *targets_path = NULL, *image_path = NULL, *ecu = NULL, *hw = NULL, *state_path = NULL;
  const char *rotation_paths[MAX_ROTATIONS];
  size_t rotation_count = 0;
  uint64_t now = 0, rc = 0, max_pages = 16;
  int have_time = 0;
  int stream = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--stream")) {
      stream = 1;
      continue;
    }
    if (i + 1 >= argc) return usage("every option takes a value");
    const char *val = argv[++i];
    if (!strcmp(a, "--root")) root_path = val;
    else if (!strcmp(a, "--rotation")) {
      if (rotation_count == MAX_ROTATIONS) return usage("too many --rotation files");
      rotation_paths[rotation_count++] = val;
    } else if (!strcmp(a, "--targets")) targets_path = val;
    else if (!strcmp(a, "--image")) image_path = val;
    else if (!strcmp(a, "--state")) state_path = val;
    else if (!strcmp(a, "--ecu")) ecu = val;
    else if (!strcmp(a, "--hardware-id")) hw = val;
    else if (!strcmp(a, "--time")) {
      if (!parse_u64(val, &now)) return usage("--time takes unix seconds");
      have_time = 1;
    } else if (!strcmp(a, "--installed-release-counter")) {
      if (!parse_u64(val, &rc)) return usage("--installed-release-counter takes a non-negative integer");
    } else if (!strcmp(a, "--max-pages")) {
      if (!parse_u64(val, &max_pages) || max_pages < UPTANE_PARTIAL_MIN_PAGES || max_pages > 65536) return usage("--max-pages takes 1..65536");
    } else return usage("unknown option");
  }
  if (!root_path || !targets_path || !ecu || !hw || !have_time) return usage("--root, --targets, --ecu, --hardware-id and --time are required");

  uptane_update_input_t in = {0};
  const uint8_t *rotations[MAX_ROTATIONS];
  size_t rotation_lens[MAX_ROTATIONS];
  char state_root[4096];
  if (state_path) {
    if (strlen(state_path) + 6 > sizeof state_root) return usage("--state path too long");
    snprintf(state_root, sizeof state_root, "%s.root", state_path);
    in.state = read_file(state_path, &in.state_len); /* NULL: no state yet */
    size_t n;
    uint8_t *kept = read_file(state_root, &n);
    if (kept) {
      in.director_root = kept;
      in.director_root_len = n;
    }
  }
  if (!in.director_root) in.director_root = read_file(root_path, &in.director_root_len);
  FILE *targets = NULL;
  if (stream) {
    targets = fopen(targets_path, "rb");
    if (!targets || fseek(targets, 0, SEEK_END) != 0) return usage("cannot read --targets");
    long size = ftell(targets);
    if (size < 0 || fseek(targets, 0, SEEK_SET) != 0) return usage("cannot read --targets");
    in.targets_len = (size_t)size;
    in.read_targets = read_stream;
    in.targets_ctx = targets;
  } else {
    in.targets = read_file(targets_path, &in.targets_len);
  }
  if (!in.director_root || (!in.targets && !targets)) return usage("cannot read --root or --targets");
  for (size_t i = 0; i < rotation_count; i++) {
    rotations[i] = read_file(rotation_paths[i], &rotation_lens[i]);
    if (!rotations[i]) return usage("cannot read a --rotation file");
  }
  in.rotations = rotations;
  in.rotation_lens = rotation_lens;
  in.rotation_count = rotation_count;
  in.serial = (const uint8_t *)ecu;
  in.serial_len = strlen(ecu);
  in.hardware_id = (const uint8_t *)hw;
  in.hardware_id_len = strlen(hw);
  in.installed_release_counter = rc;
  in.now = now;
  FILE *image = NULL;
  if (image_path) {
    image = fopen(image_path, "rb");
    if (!image) return usage("cannot read --image");
    in.read_image = read_stream;
    in.image_ctx = image;
  }

  /* On a host the memory grows on the heap up to --max-pages; firmware passes a fixed
   * buffer with uptane_memory_from_buffer instead. */
  uptane_runtime_init();
  wasm_rt_memory_t memory;
  wasm_rt_allocate_memory(&memory, UPTANE_PARTIAL_MIN_PAGES, (uint32_t)max_pages);
  static uptane_partial_t verifier;
  uptane_update_report_t r;
  int verdict = uptane_update_run(&verifier, &memory, &in, &r);
  if (state_path && r.step >= UPTANE_STEP_Targets && (r.outcome == UPTANE_Outcome_Ok || r.outcome == UPTANE_Outcome_NoUpdate)) {
    int32_t size = uptane_partial_state_size(&verifier);
    uint8_t *blob = size > 0 ? malloc((size_t)size) : NULL;
    int32_t n = blob ? uptane_partial_state_export(&verifier, blob, (size_t)size) : UPTANE_MISUSE;
    FILE *f = n > 0 ? fopen(state_path, "wb") : NULL;
    int saved = f && fwrite(blob, 1, (size_t)n, f) == (size_t)n;
    if (f) fclose(f);
    if (saved && r.rotations_accepted > 0) {
      f = fopen(state_root, "wb");
      size_t k = (size_t)r.rotations_accepted - 1;
      saved = f && fwrite(rotations[k], 1, rotation_lens[k], f) == rotation_lens[k];
      if (f) fclose(f);
    }
    if (!saved) {
      /* an ECU that cannot keep its state would lose the rollback check: do not install */
      fprintf(stderr, "uptane-example: cannot save the state to %s\n", state_path);
      verdict = UPTANE_MISUSE;
    }
    free(blob);
  }
  if (image) fclose(image);
  if (targets) fclose(targets);

  const char *outcome = uptane_outcome_name(r.outcome);
  printf("%s", outcome);
  if (r.result.repo) printf(" (%s %s)", uptane_repo_name(r.result.repo), uptane_role_name(r.result.role) ? uptane_role_name(r.result.role) : "");
  if (r.has_target) printf(": %s, %llu bytes, release counter %llu", r.target_name, (unsigned long long)r.target_length, (unsigned long long)r.target_release_counter);
  if (r.image_outcome != UPTANE_IMAGE_NOT_CHECKED) printf("; image %s (%llu bytes streamed)", uptane_outcome_name(r.image_outcome), (unsigned long long)r.image_bytes);
  printf("\n");

  printf("{\"outcome\":\"%s\",\"ok\":%s", outcome, r.outcome == UPTANE_Outcome_Ok ? "true" : "false");
  print_json_name("repo", r.outcome == UPTANE_Outcome_Ok || r.outcome == UPTANE_Outcome_NoUpdate ? NULL : uptane_repo_name(r.result.repo));
  print_json_name("role", r.outcome == UPTANE_Outcome_Ok || r.outcome == UPTANE_Outcome_NoUpdate ? NULL : uptane_role_name(r.result.role));
  const char *detail = uptane_abi_detail_name(r.result.detail);
  printf(",\"detail\":%d,\"detailName\":\"%s\"", r.result.detail, detail ? detail : "?");
  if (r.result.has_numbers) printf(",\"expected\":%lld,\"got\":%lld", (long long)r.result.expected, (long long)r.result.got);
  if (r.has_target) printf(",\"target\":\"%s\",\"length\":%llu,\"releaseCounter\":%llu", r.target_name, (unsigned long long)r.target_length, (unsigned long long)r.target_release_counter);
  print_json_name("image", r.image_outcome == UPTANE_IMAGE_NOT_CHECKED ? NULL : uptane_outcome_name(r.image_outcome));
  printf(",\"memoryPages\":%u}\n", (unsigned)r.memory_pages);

  wasm_rt_free_memory(&memory);
  if (verdict == UPTANE_Outcome_Ok) return 0;
  if (verdict == UPTANE_Outcome_NoUpdate) return 3;
  return 1;
}
