/* Embedding the dlc runtime through its C API: load a compiled classifier,
 * bring its parameters (load them from a .safetensors file, or save the
 * freshly initialized ones there when the file does not exist yet), run
 * `forward` on a batch of synthetic images, and print each image's class.
 *
 *   classify MODEL.fb PARAMS.safetensors
 *
 * Works with any model whose `forward` takes one ui8 or f32 input and
 * returns f32 logits of shape [batch, classes]. */
#include "dlc/runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Prints and frees a failed status; returns 1 on failure, 0 on success. */
static int failed(dlc_status *status) {
  if (!status)
    return 0;
  fprintf(stderr, "classify: %s\n", dlc_status_get_message(status));
  dlc_status_free(status);
  return 1;
}

static int file_exists(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file)
    fclose(file);
  return file != NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: classify MODEL.fb PARAMS.safetensors\n");
    return 2;
  }
  int rc = 1;
  dlc_executable *executable = NULL;
  dlc_session *session = NULL;
  unsigned char *input = NULL;
  float *logits = NULL;

  if (failed(dlc_executable_load_file(argv[1], &executable)))
    goto done;
  dlc_session_options options = {"cpu", 0, 0, NULL};
  if (failed(dlc_session_create(executable, &options, &session)))
    goto done;
  if (file_exists(argv[2])) {
    if (failed(dlc_session_load_parameters(session, argv[2])))
      goto done;
  } else if (failed(dlc_session_save_parameters(session, argv[2]))) {
    goto done;
  }

  dlc_tensor_info in, out;
  if (failed(dlc_executable_input_info(executable, "forward", 0, &in)) ||
      failed(dlc_executable_output_info(executable, "forward", 0, &out)))
    goto done;
  if (out.dtype != DLC_F32 || out.rank != 2 || (in.dtype != DLC_U8 && in.dtype != DLC_F32)) {
    fprintf(stderr, "classify: forward must map ui8 or f32 images to f32 logits\n");
    goto done;
  }

  /* Synthetic images: a diagonal gradient, shifted per image. */
  size_t count = in.size_bytes / dlc_dtype_size(in.dtype);
  input = malloc(in.size_bytes);
  logits = malloc(out.size_bytes);
  if (!input || !logits)
    goto done;
  for (size_t i = 0; i < count; ++i) {
    unsigned char pixel = (unsigned char)((i * 7 + i / 784 * 13) % 256);
    if (in.dtype == DLC_U8)
      input[i] = pixel;
    else
      ((float *)input)[i] = pixel / 255.0f;
  }
  if (failed(dlc_session_set_input(session, "forward", in.name, in.dtype, in.shape, in.rank,
                                   input, in.size_bytes)) ||
      failed(dlc_session_run(session, "forward")) ||
      failed(dlc_session_get_output(session, "forward", out.name, logits, out.size_bytes)))
    goto done;

  int64_t batch = out.shape[0], classes = out.shape[1];
  for (int64_t row = 0; row < batch && row < 8; ++row) {
    int64_t best = 0;
    for (int64_t c = 1; c < classes; ++c)
      if (logits[row * classes + c] > logits[row * classes + best])
        best = c;
    printf("image %lld: class %lld (logit %.6f)\n", (long long)row, (long long)best,
           logits[row * classes + best]);
  }
  rc = 0;

done:
  free(input);
  free(logits);
  dlc_session_release(session);
  dlc_executable_release(executable);
  return rc;
}
