/* update_flow.c: one partial-verification update over uptane.h (see update_flow.h). */
#include <string.h>

#include "update_flow.h"

#ifndef UPTANE_FLOW_READ_CHUNK
/* Bytes read from the image source per callback (an ISO-TP block, a file read). */
#define UPTANE_FLOW_READ_CHUNK 1024u
#endif

static int decide(uptane_partial_t *v, uptane_update_report_t *r, int step, int outcome) {
  r->step = step;
  r->outcome = outcome;
  uptane_partial_result(v, &r->result);
  if (outcome < 0) r->result.outcome = outcome;
  r->memory_pages = uptane_partial_pages(v);
  return outcome;
}

int uptane_update_run(uptane_partial_t *v, wasm_rt_memory_t *memory,
                      const uptane_update_input_t *in, uptane_update_report_t *r) {
  memset(r, 0, sizeof *r);
  r->image_outcome = UPTANE_IMAGE_NOT_CHECKED;
  int o = uptane_partial_open(v, memory, in->serial, in->serial_len, in->hardware_id, in->hardware_id_len,
                              in->installed_release_counter, in->director_root, in->director_root_len);
  if (o != UPTANE_Outcome_Ok) return decide(v, r, UPTANE_STEP_Provision, o);
  if (in->state) {
    o = uptane_partial_state_import(v, in->state, in->state_len);
    if (o != UPTANE_Outcome_Ok) return decide(v, r, UPTANE_STEP_State, o);
  }
  o = uptane_partial_begin(v, in->now);
  if (o != UPTANE_Outcome_Ok) return decide(v, r, UPTANE_STEP_Cycle, o);
  for (size_t i = 0; i < in->rotation_count; i++) {
    o = uptane_partial_root(v, in->rotations[i], in->rotation_lens[i]);
    r->rotations_accepted = uptane_partial_rotations_accepted(v);
    if (o != UPTANE_Outcome_Ok) return decide(v, r, UPTANE_STEP_Rotation, o);
  }
  uint8_t buf[UPTANE_FLOW_READ_CHUNK];
  if (in->read_targets) {
    o = uptane_targets_stream_begin(v, in->targets_len);
    for (size_t got; o == UPTANE_Outcome_Ok && (got = in->read_targets(in->targets_ctx, buf, sizeof buf)) > 0;)
      o = uptane_targets_stream_chunk(v, buf, got);
    if (o == UPTANE_Outcome_Ok) o = uptane_targets_stream_finish(v);
  } else {
    o = uptane_partial_targets(v, in->targets, in->targets_len);
  }
  decide(v, r, UPTANE_STEP_Targets, o);
  if (o != UPTANE_Outcome_Ok) return o;

  uptane_target_t t;
  if (uptane_partial_target(v, &t) != 0) return decide(v, r, UPTANE_STEP_Targets, UPTANE_MISUSE);
  size_t n = t.name_len < UPTANE_NAME_MAX ? t.name_len : UPTANE_NAME_MAX;
  memcpy(r->target_name, t.name, n); /* copied now: the image check reuses that memory */
  r->target_name[n] = 0;
  r->target_length = t.length;
  r->target_release_counter = t.release_counter;
  r->has_target = 1;
  if (!in->read_image) return o;

  int io = uptane_image_begin(v);
  for (size_t got; io == UPTANE_Outcome_Ok && (got = in->read_image(in->image_ctx, buf, sizeof buf)) > 0;) {
    r->image_bytes += got;
    io = uptane_image_update(v, buf, got);
  }
  if (io == UPTANE_Outcome_Ok) io = uptane_image_finish(v);
  r->image_outcome = io;
  r->memory_pages = uptane_partial_pages(v);
  if (io != UPTANE_Outcome_Ok) {
    r->step = UPTANE_STEP_Image;
    uptane_partial_result(v, &r->result);
    return io;
  }
  return o;
}
