/* A stand-in for the NVIDIA driver's libcuda.so.1 whose cuInit fails, for
 * testing what dlrun does on a machine with a driver library but no usable
 * GPU. cuInit returns CUDA_ERROR_NO_DEVICE (100), or the code in
 * STAND_IN_CUINIT_RESULT. It has no other driver function. */
#include <stdlib.h>

typedef int CUresult;

CUresult cuInit(unsigned int flags) {
  (void)flags;
  const char *code = getenv("STAND_IN_CUINIT_RESULT");
  return code ? atoi(code) : 100;
}

CUresult cuDriverGetVersion(int *version) {
  *version = 13000;
  return 0;
}

CUresult cuGetErrorName(CUresult error, const char **name) {
  *name = error == 100   ? "CUDA_ERROR_NO_DEVICE"
          : error == 999 ? "CUDA_ERROR_UNKNOWN"
                         : "CUDA_ERROR_STAND_IN";
  return 0;
}

CUresult cuGetErrorString(CUresult error, const char **text) {
  *text = error == 100 ? "no CUDA-capable device is detected" : "stand-in error";
  return 0;
}
