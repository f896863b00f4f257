// The CUDA driver, cuBLASLt and cuDNN, loaded with dlopen when a session
// first asks for the GPU: dlrun links none of them, so one binary runs on
// machines with and without them, and says which copy it found.
//
// The headers come from the CUDA toolkit at build time and give every
// function its type; each table below holds one pointer per function used.
// The headers' macros map versioned names (cuMemAlloc is cuMemAlloc_v2), and
// the loader looks each pointer up under the same expanded name.
#ifndef DLC_RUNTIME_CUDA_CUDA_API_H
#define DLC_RUNTIME_CUDA_CUDA_API_H

#include "status.h"

#include <cublasLt.h>
#include <cuda.h>
#include <cudnn.h>

#include <string>
#include <vector>

namespace dlc::rt::cuda {

#define DLC_CUDA_DRIVER_INIT_FUNCTIONS(X)                                                          \
  X(cuInit)                                                                                        \
  X(cuDriverGetVersion)                                                                            \
  X(cuGetErrorName)                                                                                \
  X(cuGetErrorString)

#define DLC_CUDA_DRIVER_FUNCTIONS(X)                                                               \
  X(cuDeviceGetCount)                                                                              \
  X(cuDeviceGet)                                                                                   \
  X(cuDeviceGetName)                                                                               \
  X(cuDeviceGetAttribute)                                                                          \
  X(cuDeviceTotalMem)                                                                              \
  X(cuDevicePrimaryCtxRetain)                                                                      \
  X(cuDevicePrimaryCtxRelease)                                                                     \
  X(cuCtxSetCurrent)                                                                               \
  X(cuMemGetInfo)                                                                                  \
  X(cuMemAlloc)                                                                                    \
  X(cuMemFree)                                                                                     \
  X(cuMemsetD8Async)                                                                               \
  X(cuMemcpyHtoDAsync)                                                                             \
  X(cuMemcpyDtoHAsync)                                                                             \
  X(cuMemcpyDtoDAsync)                                                                             \
  X(cuMemcpy3DAsync)                                                                               \
  X(cuMemHostAlloc)                                                                                \
  X(cuMemFreeHost)                                                                                 \
  X(cuStreamCreate)                                                                                \
  X(cuStreamDestroy)                                                                               \
  X(cuStreamSynchronize)                                                                           \
  X(cuStreamWaitEvent)                                                                             \
  X(cuStreamBeginCapture)                                                                          \
  X(cuStreamEndCapture)                                                                            \
  X(cuEventCreate)                                                                                 \
  X(cuEventDestroy)                                                                                \
  X(cuEventRecord)                                                                                 \
  X(cuEventSynchronize)                                                                            \
  X(cuModuleLoadDataEx)                                                                            \
  X(cuModuleUnload)                                                                                \
  X(cuModuleGetFunction)                                                                           \
  X(cuFuncSetAttribute)                                                                            \
  X(cuLaunchKernel)                                                                                \
  X(cuGraphInstantiateWithFlags)                                                                   \
  X(cuGraphLaunch)                                                                                 \
  X(cuGraphExecDestroy)                                                                            \
  X(cuGraphDestroy)

#define DLC_CUBLASLT_FUNCTIONS(X)                                                                  \
  X(cublasLtGetVersion)                                                                            \
  X(cublasLtGetCudartVersion)                                                                      \
  X(cublasLtGetStatusString)                                                                       \
  X(cublasLtCreate)                                                                                \
  X(cublasLtDestroy)                                                                               \
  X(cublasLtMatmulDescCreate)                                                                      \
  X(cublasLtMatmulDescDestroy)                                                                     \
  X(cublasLtMatmulDescSetAttribute)                                                                \
  X(cublasLtMatrixLayoutCreate)                                                                    \
  X(cublasLtMatrixLayoutDestroy)                                                                   \
  X(cublasLtMatrixLayoutSetAttribute)                                                              \
  X(cublasLtMatmulPreferenceCreate)                                                                \
  X(cublasLtMatmulPreferenceDestroy)                                                               \
  X(cublasLtMatmulPreferenceSetAttribute)                                                          \
  X(cublasLtMatmulAlgoGetHeuristic)                                                                \
  X(cublasLtMatmul)

#define DLC_CUDNN_FUNCTIONS(X)                                                                     \
  X(cudnnGetVersion)                                                                               \
  X(cudnnGetCudartVersion)                                                                         \
  X(cudnnGetErrorString)                                                                           \
  X(cudnnCreate)                                                                                   \
  X(cudnnDestroy)                                                                                  \
  X(cudnnSetStream)                                                                                \
  X(cudnnCreateTensorDescriptor)                                                                   \
  X(cudnnSetTensorNdDescriptor)                                                                    \
  X(cudnnDestroyTensorDescriptor)                                                                  \
  X(cudnnCreateFilterDescriptor)                                                                   \
  X(cudnnSetFilter4dDescriptor)                                                                    \
  X(cudnnDestroyFilterDescriptor)                                                                  \
  X(cudnnCreateConvolutionDescriptor)                                                              \
  X(cudnnSetConvolution2dDescriptor)                                                               \
  X(cudnnSetConvolutionGroupCount)                                                                 \
  X(cudnnSetConvolutionMathType)                                                                   \
  X(cudnnGetConvolution2dForwardOutputDim)                                                         \
  X(cudnnDestroyConvolutionDescriptor)                                                             \
  X(cudnnGetConvolutionForwardAlgorithm_v7)                                                        \
  X(cudnnGetConvolutionForwardWorkspaceSize)                                                       \
  X(cudnnConvolutionForward)                                                                       \
  X(cudnnGetConvolutionBackwardDataAlgorithm_v7)                                                   \
  X(cudnnGetConvolutionBackwardDataWorkspaceSize)                                                  \
  X(cudnnConvolutionBackwardData)                                                                  \
  X(cudnnGetConvolutionBackwardFilterAlgorithm_v7)                                                 \
  X(cudnnGetConvolutionBackwardFilterWorkspaceSize)                                                \
  X(cudnnConvolutionBackwardFilter)                                                                \
  X(cudnnConvolutionBackwardBias)                                                                  \
  X(cudnnAddTensor)                                                                                \
  X(cudnnCreateActivationDescriptor)                                                               \
  X(cudnnSetActivationDescriptor)                                                                  \
  X(cudnnDestroyActivationDescriptor)                                                              \
  X(cudnnActivationForward)                                                                        \
  X(cudnnCreatePoolingDescriptor)                                                                  \
  X(cudnnSetPooling2dDescriptor)                                                                   \
  X(cudnnGetPooling2dForwardOutputDim)                                                             \
  X(cudnnDestroyPoolingDescriptor)                                                                 \
  X(cudnnPoolingForward)                                                                           \
  X(cudnnPoolingBackward)                                                                          \
  X(cudnnDeriveBNTensorDescriptor)                                                                 \
  X(cudnnBatchNormalizationForwardTraining)                                                        \
  X(cudnnBatchNormalizationForwardInference)                                                       \
  X(cudnnBatchNormalizationBackward)

#define DLC_CUDA_POINTER(name) decltype(&::name) name = nullptr;

/// A library found and opened: its handle and the file it came from.
struct Library {
  void *handle = nullptr;
  std::string path;
};

struct Driver {
  Library library;
  int version = 0; // cuDriverGetVersion: 13000 is CUDA 13.0
  DLC_CUDA_DRIVER_INIT_FUNCTIONS(DLC_CUDA_POINTER)
  DLC_CUDA_DRIVER_FUNCTIONS(DLC_CUDA_POINTER)
  /// Optional (the per-command profile): cuEventElapsedTime_v2, or the
  /// first version on a driver older than CUDA 12.8; null if neither.
  decltype(&::cuEventElapsedTime) eventElapsedTime = nullptr;

  /// "what: CUDA_ERROR_NAME (description)" for a failed call.
  Status check(CUresult result, const std::string &what) const;
};

struct CublasLt {
  Library library;
  DLC_CUBLASLT_FUNCTIONS(DLC_CUDA_POINTER)
  Status check(cublasStatus_t status, const std::string &what) const;
};

struct Cudnn {
  Library library;
  DLC_CUDNN_FUNCTIONS(DLC_CUDA_POINTER)
  Status check(cudnnStatus_t status, const std::string &what) const;
};

#undef DLC_CUDA_POINTER

/// The driver (libcuda.so.1, or the file DLC_CUDA_DRIVER names), loaded and
/// initialized once per process. DLC_UNAVAILABLE with one sentence when
/// there is no driver, cuInit fails (no GPU, driver and kernel module out
/// of step, ...) or the driver lacks a function dlc uses.
Status loadDriver(const Driver **out);

/// The functions of the driver table that the library at `path` lacks
/// (under the names the headers give them, e.g. cuMemAlloc_v2), without
/// calling any: tests check the names against the CUDA toolkit's stub
/// libcuda. An error when it does not load.
Status missingDriverFunctions(const std::string &path, std::vector<std::string> *missing);

/// cuBLASLt and cuDNN, found once per process (see libraryDirectories).
Status loadCublasLt(const CublasLt **out);
Status loadCudnn(const Cudnn **out);

/// Where cuBLASLt and cuDNN are looked for, in order, after the loader's
/// own search (LD_LIBRARY_PATH, the system's library path): the folders in
/// DLC_CUDA_LIBRARY_PATH, the CUDA toolkit ($CUDA_HOME, $CUDA_PATH,
/// /usr/local/cuda), and the lib folders of the nvidia-* Python wheels
/// (nvidia/cu13/lib, nvidia/cublas/lib, nvidia/cudnn/lib) under every
/// site-packages folder found on the usual prefixes, $VIRTUAL_ENV,
/// $CONDA_PREFIX and $PYTHONPATH.
std::vector<std::string> libraryDirectories();

/// "13.0" from 13000.
std::string cudaVersionText(int version);

} // namespace dlc::rt::cuda

#endif // DLC_RUNTIME_CUDA_CUDA_API_H
