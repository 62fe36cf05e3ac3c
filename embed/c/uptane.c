/*
 * uptane.c: the calls of uptane.h over the wasm2c translation of partial.wasm.
 *
 * Every check is the module's (README "Architecture": the host moves bytes and checks
 * nothing the module does not check again); the size checks here only avoid copying what
 * the module would refuse anyway, and mirror the Node host (host/wasm/verifier.ts).
 * No I/O, no heap, no clock: portable to any C99 target wasm2c's runtime builds on.
 */
#include <string.h>

#include "uptane.h"
#include "wasm-rt-impl.h"

#ifndef UPTANE_IMAGE_CHUNK
/* Bytes of the image staged in linear memory per imageUpdate call. */
#define UPTANE_IMAGE_CHUNK 4096u
#endif

#ifndef UPTANE_STREAM_CHUNK
/* Bytes of Director targets staged in linear memory per partialTargetsChunk call. */
#define UPTANE_STREAM_CHUNK 1024u
#endif

#define WASM_PAGE 65536u
#define MISUSE_CODE ((uint32_t)UPTANE_MISUSE) /* the module's -1 as wasm2c returns it (u32) */

/* The accessor wasm2c 1.0.32 generated code calls for the imported `env.memory`. */
wasm_rt_memory_t *Z_envZ_memory(struct Z_env_instance_t *env) {
  return env->memory;
}

/*
 * Arms trap recovery for the calls into the module that follow, in this function's
 * frame (setjmp), so only public functions use it and none of them calls another
 * public function (a stale jump target would outlive its frame).
 */
#define GUARD(v)                                        \
  do {                                                  \
    if ((v)->trapped) return UPTANE_TRAPPED;            \
    if (wasm_rt_impl_try() != 0) {                      \
      (v)->trapped = 1;                                 \
      return UPTANE_TRAPPED;                            \
    }                                                   \
  } while (0)

#define M(v) (&(v)->module)

static int code(uint32_t r) {
  return r == MISUSE_CODE ? UPTANE_MISUSE : (int)r;
}

/* A pointer into linear memory for [ptr, ptr + len), or NULL when it is not inside. */
static uint8_t *at(uptane_partial_t *v, uint32_t ptr, uint32_t len) {
  const wasm_rt_memory_t *m = v->env.memory;
  if (ptr == 0 || (uint64_t)ptr + len > m->size) return NULL;
  return m->data + ptr;
}

/* Copies `len` bytes into a fresh arena buffer; 0 when the arena cannot hold them. */
static uint32_t copy_in(uptane_partial_t *v, const uint8_t *bytes, size_t len) {
  if (len > 0xffffffffu - 8) return 0;
  uint32_t ptr = Z_partialZ_alloc(M(v), len ? (uint32_t)len : 1u);
  uint8_t *dst = at(v, ptr, (uint32_t)len);
  if (!dst) return 0;
  if (len) memcpy(dst, bytes, len);
  return ptr;
}

/* A verdict the wrapper reaches itself (a document over its cap), reported like the module's. */
static int host_result(uptane_partial_t *v, int outcome, int role, int64_t expected, int64_t got) {
  v->host.outcome = outcome;
  v->host.repo = UPTANE_Repo_Director;
  v->host.role = role;
  v->host.detail = 0;
  v->host.has_numbers = 1;
  v->host.expected = expected;
  v->host.got = got;
  v->use_host = 1;
  return outcome;
}

void uptane_runtime_init(void) {
  wasm_rt_init();
  Z_partial_init_module();
}

void uptane_memory_from_buffer(wasm_rt_memory_t *memory, uint8_t *buf, uint32_t pages) {
  memset(buf, 0, (size_t)pages * WASM_PAGE);
  memory->data = buf;
  memory->pages = pages;
  memory->max_pages = pages; /* never grows, so the runtime never reallocates `buf` */
  memory->size = pages * WASM_PAGE;
}

int uptane_partial_open(uptane_partial_t *v, wasm_rt_memory_t *memory,
                        const uint8_t *serial, size_t serial_len,
                        const uint8_t *hardware_id, size_t hardware_id_len,
                        uint64_t installed_release_counter,
                        const uint8_t *director_root, size_t root_len) {
  memset(v, 0, sizeof *v);
  v->env.memory = memory;
  if (memory->pages < UPTANE_PARTIAL_MIN_PAGES) return UPTANE_MISUSE;
  /* The module is built for a zero-filled fresh memory (asconfig zeroFilledMemory). */
  memset(memory->data, 0, memory->size);
  GUARD(v);
  Z_partial_instantiate(M(v), &v->env);
  Z_partialZ_reset(M(v));
  uint32_t s = copy_in(v, serial, serial_len);
  uint32_t h = copy_in(v, hardware_id, hardware_id_len);
  uint32_t vin = copy_in(v, (const uint8_t *)"", 0); /* partial verification has no VIN */
  if (!s || !h || !vin) return UPTANE_MISUSE;
  if (Z_partialZ_configure(M(v), s, (uint32_t)serial_len, h, (uint32_t)hardware_id_len, vin, 0) != 0)
    return UPTANE_MISUSE;
  if (installed_release_counter > INT64_MAX) return UPTANE_MISUSE;
  if (code(Z_partialZ_setInstalledReleaseCounter(M(v), (uint32_t)installed_release_counter, (uint32_t)(installed_release_counter >> 32))) != 0)
    return UPTANE_MISUSE;
  Z_partialZ_reset(M(v));
  int32_t cap = (int32_t)Z_partialZ_capacity(M(v), UPTANE_Capacity_RootBytes);
  if (root_len > (size_t)cap) return host_result(v, UPTANE_Outcome_OversizedMetadata, UPTANE_Role_Root, cap, (int64_t)root_len);
  uint32_t r = copy_in(v, director_root, root_len);
  if (!r) return UPTANE_MISUSE;
  return code(Z_partialZ_loadRoot(M(v), UPTANE_Repo_Director, r, (uint32_t)root_len));
}

int32_t uptane_partial_state_size(uptane_partial_t *v) {
  GUARD(v);
  return (int32_t)Z_partialZ_stateSize(M(v));
}

int32_t uptane_partial_state_export(uptane_partial_t *v, uint8_t *out, size_t cap) {
  GUARD(v);
  uint32_t size = Z_partialZ_stateSize(M(v));
  if (cap < size) return UPTANE_MISUSE;
  Z_partialZ_reset(M(v));
  uint32_t p = Z_partialZ_alloc(M(v), size);
  if (!at(v, p, size)) return UPTANE_MISUSE;
  uint32_t n = Z_partialZ_stateExport(M(v), p);
  memcpy(out, at(v, p, n), n);
  return (int32_t)n;
}

int uptane_partial_state_import(uptane_partial_t *v, const uint8_t *blob, size_t len) {
  GUARD(v);
  v->use_host = 0;
  Z_partialZ_reset(M(v));
  uint32_t p = copy_in(v, blob, len);
  if (!p) return UPTANE_Outcome_InvalidMetadata; /* larger than any state blob */
  return code(Z_partialZ_stateImport(M(v), p, (uint32_t)len));
}

int32_t uptane_partial_rotations_accepted(uptane_partial_t *v) {
  GUARD(v);
  return (int32_t)Z_partialZ_rotationsAccepted(M(v), UPTANE_Repo_Director);
}

int uptane_partial_begin(uptane_partial_t *v, uint64_t now) {
  GUARD(v);
  v->use_host = 0;
  v->roots_done = 0;
  v->rotations = 0;
  v->chunk = 0;
  Z_partialZ_reset(M(v));
  if (now > INT64_MAX) return UPTANE_MISUSE;
  return code(Z_partialZ_cycleBegin(M(v), (uint32_t)now, (uint32_t)(now >> 32)));
}

int uptane_partial_root(uptane_partial_t *v, const uint8_t *root, size_t len) {
  GUARD(v);
  v->use_host = 0;
  if (v->roots_done) return UPTANE_MISUSE;
  int32_t max = (int32_t)Z_partialZ_capacity(M(v), UPTANE_Capacity_RootRotationsPerCycle);
  int32_t cap = (int32_t)Z_partialZ_capacity(M(v), UPTANE_Capacity_RootBytes);
  if (v->rotations >= max) return host_result(v, UPTANE_Outcome_OversizedMetadata, UPTANE_Role_Root, max, v->rotations + 1);
  if (len > (size_t)cap) return host_result(v, UPTANE_Outcome_OversizedMetadata, UPTANE_Role_Root, cap, (int64_t)len);
  v->rotations++;
  /* Earlier rotations stay in the arena until the cycle's targets, as in the Node host. */
  uint32_t p = copy_in(v, root, len);
  if (!p) return UPTANE_MISUSE;
  return code(Z_partialZ_rootRotation(M(v), UPTANE_Repo_Director, p, (uint32_t)len));
}

/* rootFinish once per cycle, before the targets (5.4.4.1 step 2 ends). */
static int finish_roots(uptane_partial_t *v) {
  if (v->roots_done) return UPTANE_Outcome_Ok;
  int r = code(Z_partialZ_rootFinish(M(v), UPTANE_Repo_Director));
  if (r == UPTANE_Outcome_Ok) v->roots_done = 1;
  return r;
}

int uptane_partial_targets(uptane_partial_t *v, const uint8_t *doc, size_t len) {
  GUARD(v);
  v->use_host = 0;
  int r = finish_roots(v);
  if (r != UPTANE_Outcome_Ok) return r;
  /* The rotation files are no longer needed: their memory holds the targets. */
  Z_partialZ_reset(M(v));
  int32_t cap = (int32_t)Z_partialZ_capacity(M(v), UPTANE_Capacity_TargetsBytes);
  if (len > (size_t)cap) return host_result(v, UPTANE_Outcome_OversizedMetadata, UPTANE_Role_Targets, cap, (int64_t)len);
  uint32_t p = copy_in(v, doc, len);
  if (!p) return UPTANE_MISUSE;
  return code(Z_partialZ_partialTargets(M(v), p, (uint32_t)len));
}

int uptane_targets_stream_begin(uptane_partial_t *v, size_t total_len) {
  GUARD(v);
  v->use_host = 0;
  v->decided = -1;
  v->chunk = 0;
  int r = finish_roots(v);
  if (r != UPTANE_Outcome_Ok) return r;
  Z_partialZ_reset(M(v));
  const uint32_t len32 = total_len > 0xffffffffu ? 0xffffffffu : (uint32_t)total_len; /* over any cap: refused */
  v->chunk = Z_partialZ_alloc(M(v), UPTANE_STREAM_CHUNK);
  if (!at(v, v->chunk, UPTANE_STREAM_CHUNK)) return UPTANE_MISUSE;
  r = code(Z_partialZ_partialTargetsBegin(M(v), len32));
  if (r != UPTANE_Outcome_Ok) v->decided = r;
  return r;
}

/* Stages targets bytes through the chunk buffer until the module decides. */
static int feed_targets(uptane_partial_t *v, const uint8_t *bytes, size_t len) {
  while (len > 0) {
    uint32_t n = len < UPTANE_STREAM_CHUNK ? (uint32_t)len : UPTANE_STREAM_CHUNK;
    memcpy(at(v, v->chunk, n), bytes, n);
    int r = code(Z_partialZ_partialTargetsChunk(M(v), v->chunk, n));
    if (r != UPTANE_Outcome_Ok) return v->decided = r;
    bytes += n;
    len -= n;
  }
  return UPTANE_Outcome_Ok;
}

int uptane_targets_stream_chunk(uptane_partial_t *v, const uint8_t *bytes, size_t len) {
  GUARD(v);
  if (v->decided >= 0) return v->decided;
  if (!v->chunk) return UPTANE_MISUSE;
  return feed_targets(v, bytes, len);
}

int uptane_targets_stream_finish(uptane_partial_t *v) {
  GUARD(v);
  if (v->decided >= 0) return v->decided;
  if (!v->chunk) return UPTANE_MISUSE;
  v->chunk = 0;
  return code(Z_partialZ_partialTargetsFinish(M(v)));
}

void uptane_partial_result(uptane_partial_t *v, uptane_result_t *out) {
  if (v->use_host) {
    *out = v->host;
    return;
  }
  memset(out, 0, sizeof *out);
  if (v->trapped || wasm_rt_impl_try() != 0) {
    v->trapped = 1;
    out->outcome = UPTANE_TRAPPED;
    return;
  }
#define FIELD(f) ((int32_t)Z_partialZ_result(M(v), UPTANE_ResultField_##f))
  out->outcome = FIELD(Outcome);
  out->repo = FIELD(Repo);
  out->role = FIELD(Role);
  out->has_numbers = FIELD(HasNumbers);
  out->expected = uptane_join64(FIELD(ExpectedLow), FIELD(ExpectedHigh));
  out->got = uptane_join64(FIELD(GotLow), FIELD(GotHigh));
  out->detail = FIELD(Detail);
#undef FIELD
}

int uptane_partial_target(uptane_partial_t *v, uptane_target_t *out) {
  GUARD(v);
  memset(out, 0, sizeof *out);
  int32_t row = (int32_t)Z_partialZ_target(M(v), 0, UPTANE_TargetField_ThisEcuRow);
  if (row < 0) return UPTANE_MISUSE;
#define FIELD(f) Z_partialZ_target(M(v), (uint32_t)row, UPTANE_TargetField_##f)
  out->name_len = FIELD(NameLen);
  out->hardware_id_len = FIELD(HardwareIdLen);
  out->name = at(v, FIELD(NamePtr), out->name_len);
  out->hardware_id = at(v, FIELD(HardwareIdPtr), out->hardware_id_len);
  out->length = (uint64_t)uptane_join64((int32_t)FIELD(LengthLow), (int32_t)FIELD(LengthHigh));
  out->release_counter = (uint64_t)uptane_join64((int32_t)FIELD(ReleaseCounterLow), (int32_t)FIELD(ReleaseCounterHigh));
  out->sha256 = at(v, FIELD(Sha256Ptr), 32);
  out->sha512 = at(v, FIELD(Sha512Ptr), 64);
#undef FIELD
  return out->name ? 0 : UPTANE_MISUSE;
}

int uptane_image_begin(uptane_partial_t *v) {
  GUARD(v);
  v->use_host = 0;
  int32_t row = (int32_t)Z_partialZ_target(M(v), 0, UPTANE_TargetField_ThisEcuRow);
  if (row < 0) return UPTANE_MISUSE;
  Z_partialZ_reset(M(v));
  v->chunk = Z_partialZ_alloc(M(v), UPTANE_IMAGE_CHUNK);
  if (!at(v, v->chunk, UPTANE_IMAGE_CHUNK)) return UPTANE_MISUSE;
  return code(Z_partialZ_imageBegin(M(v), (uint32_t)row));
}

/* Stages the bytes through the chunk buffer (a helper, so the guarded frame changes nothing after setjmp). */
static int feed_image(uptane_partial_t *v, const uint8_t *bytes, size_t len) {
  while (len > 0) {
    uint32_t n = len < UPTANE_IMAGE_CHUNK ? (uint32_t)len : UPTANE_IMAGE_CHUNK;
    memcpy(at(v, v->chunk, n), bytes, n);
    int r = code(Z_partialZ_imageUpdate(M(v), v->chunk, n));
    if (r != UPTANE_Outcome_Ok) return r;
    bytes += n;
    len -= n;
  }
  return UPTANE_Outcome_Ok;
}

int uptane_image_update(uptane_partial_t *v, const uint8_t *bytes, size_t len) {
  GUARD(v);
  if (!v->chunk) return UPTANE_MISUSE;
  return feed_image(v, bytes, len);
}

int uptane_image_finish(uptane_partial_t *v) {
  GUARD(v);
  if (!v->chunk) return UPTANE_MISUSE;
  v->chunk = 0;
  return code(Z_partialZ_imageFinish(M(v)));
}

int32_t uptane_partial_capacity(uptane_partial_t *v, int which) {
  GUARD(v);
  return (int32_t)Z_partialZ_capacity(M(v), (uint32_t)which);
}

uint32_t uptane_partial_pages(const uptane_partial_t *v) {
  return v->env.memory->pages;
}

int uptane_ed25519_verify(uptane_partial_t *v, const uint8_t public_key[32],
                          const uint8_t signature[64], const uint8_t *msg, size_t len) {
  GUARD(v);
  Z_partialZ_reset(M(v));
  uint32_t k = copy_in(v, public_key, 32);
  uint32_t s = copy_in(v, signature, 64);
  uint32_t m = copy_in(v, msg, len);
  if (!k || !s || !m) return UPTANE_MISUSE;
  return (int)Z_partialZ_ed25519VerifyBytes(M(v), k, 32, s, 64, m, (uint32_t)len);
}

/* One-shot digest through the module's export `digest` of `size` bytes. */
#define DIGEST(v, digest, size, msg, len, out)                 \
  do {                                                         \
    Z_partialZ_reset(M(v));                                    \
    uint32_t m_ = copy_in(v, msg, len);                        \
    uint32_t o_ = Z_partialZ_alloc(M(v), size);                \
    if (!m_ || !at(v, o_, size)) return UPTANE_MISUSE;         \
    int r_ = (int)digest(M(v), m_, (uint32_t)(len), o_);       \
    if (r_ == 0) memcpy(out, at(v, o_, size), size);           \
    return r_;                                                 \
  } while (0)

int uptane_sha256(uptane_partial_t *v, const uint8_t *msg, size_t len, uint8_t out[32]) {
  GUARD(v);
  DIGEST(v, Z_partialZ_sha256Digest, 32, msg, len, out);
}

int uptane_sha512(uptane_partial_t *v, const uint8_t *msg, size_t len, uint8_t out[64]) {
  GUARD(v);
  DIGEST(v, Z_partialZ_sha512Digest, 64, msg, len, out);
}

const char *uptane_outcome_name(int outcome) {
  if (outcome == UPTANE_MISUSE) return "misuse";
  if (outcome == UPTANE_TRAPPED) return "trapped";
  const char *name = uptane_abi_outcome_name(outcome);
  return name ? name : "unknown";
}

const char *uptane_repo_name(int repo) {
  return repo == UPTANE_Repo_Director ? "director" : repo == UPTANE_Repo_Image ? "image" : NULL;
}

const char *uptane_role_name(int role) {
  static const char *const names[] = {NULL, "root", "timestamp", "snapshot", "targets", "delegated", "timeserver", "image"};
  return role > 0 && role < (int)(sizeof names / sizeof names[0]) ? names[role] : NULL;
}
