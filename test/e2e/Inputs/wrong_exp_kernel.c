/* Input of check-device.test: a host build of matmul_exp.mlir's kernel
 * k0_exp that is wrong in one element, standing in for a GPU kernel with a
 * bug that dlrun --check-device must find and place. */
#include <math.h>

void k0_exp(void **buffers) {
  const float *in = buffers[0];
  float *out = buffers[1];
  for (int i = 0; i < 12; ++i)
    out[i] = expf(in[i]);
  out[7] *= 1.01f;
}
