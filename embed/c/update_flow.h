/*
 * update_flow.h: one partial-verification update as an ECU runs it (Uptane 5.4.4.1 and
 * the image check of 5.4.3), over uptane.h: provision the Director root and the saved
 * trusted state, start a cycle, apply root rotations, verify Director targets, stream
 * the image through the check.
 * Director targets whole or streamed (uptane_targets_stream_*).
 * Portable (no I/O): streamed targets and the image arrive through read callbacks, so a firmware passes its
 * transfer buffer (ISO-TP / UDS) and the host example passes a file.
 */
#ifndef UPTANE_UPDATE_FLOW_H
#define UPTANE_UPDATE_FLOW_H

#include "uptane.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fills up to `cap` bytes of the image into `buf`; returns the count, 0 at the end. */
typedef size_t (*uptane_read_fn)(void *ctx, uint8_t *buf, size_t cap);

typedef struct uptane_update_input {
  const uint8_t *serial;
  size_t serial_len;
  const uint8_t *hardware_id;
  size_t hardware_id_len;
  uint64_t installed_release_counter;
  const uint8_t *director_root; /* the root pinned at manufacture */
  size_t director_root_len;
  const uint8_t *state;         /* the trusted state saved after the last cycle, or NULL */
  size_t state_len;
  const uint8_t *const *rotations; /* N+1.root.json ... in order */
  const size_t *rotation_lens;
  size_t rotation_count;
  const uint8_t *targets; /* Director targets.json, whole; or NULL and read_targets */
  size_t targets_len;     /* its length (also when streamed) */
  uptane_read_fn read_targets; /* streamed targets (canonical JSON), never held whole */
  void *targets_ctx;
  uint64_t now; /* reference time, unix seconds */
  uptane_read_fn read_image; /* NULL: no image check */
  void *image_ctx;
} uptane_update_input_t;

/* Which step decided the verdict. */
typedef enum uptane_update_step {
  UPTANE_STEP_Provision = 0,
  UPTANE_STEP_Cycle = 1,
  UPTANE_STEP_Rotation = 2,
  UPTANE_STEP_Targets = 3,
  UPTANE_STEP_Image = 4,
  UPTANE_STEP_State = 5,
} uptane_update_step_t;

#define UPTANE_NAME_MAX 256

typedef struct uptane_update_report {
  int step;                    /* uptane_update_step_t */
  int outcome;                 /* of the metadata: Ok, NoUpdate, a failure, misuse, trapped */
  uptane_result_t result;      /* the detail record of the deciding step */
  int has_target;              /* this ECU's target, after Ok */
  char target_name[UPTANE_NAME_MAX + 1]; /* JSON string content, NUL-terminated (truncated if longer) */
  uint64_t target_length;
  uint64_t target_release_counter;
  int image_outcome;           /* Ok or LengthOrHashMismatch; -3 when not checked */
  uint64_t image_bytes;        /* bytes fed to the image check */
  uint32_t memory_pages;       /* linear memory pages at the end (the peak) */
  int32_t rotations_accepted;  /* root rotations trusted in this cycle (the last is the root to keep) */
} uptane_update_report_t;

#define UPTANE_IMAGE_NOT_CHECKED (-3)

/* Runs one update on a fresh verifier over `memory` (uptane_runtime_init first). Save the
 * state after it with uptane_partial_state_export (and the accepted root, if any).
 * Returns report->outcome, or report->image_outcome when the image check failed. */
int uptane_update_run(uptane_partial_t *v, wasm_rt_memory_t *memory,
                      const uptane_update_input_t *in, uptane_update_report_t *report);

#ifdef __cplusplus
}
#endif

#endif /* UPTANE_UPDATE_FLOW_H */
