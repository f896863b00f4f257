// What the CUDA device needs from each family of library calls (matmul on
// cuBLASLt, convolution, pooling and batch norm on cuDNN): a prepare
// function that checks the command against its buffers, makes every
// descriptor, picks the algorithm and sizes its workspace, and returns a
// Step that only enqueues work on a stream, so that it can be captured
// into a CUDA graph.
#ifndef DLC_RUNTIME_CUDA_CUDA_COMMANDS_H
#define DLC_RUNTIME_CUDA_CUDA_COMMANDS_H

#include "cuda_api.h"
#include "device.h"

#include <functional>
#include <memory>
#include <vector>

namespace dlc::rt::cuda {

/// One prepared command: enqueues its work on `stream`, with `workspace`
/// (at least the bytes its prepare asked for) to use.
using Step = std::function<Status(CUstream stream, CUdeviceptr workspace)>;

/// What preparing a command sees and may add to.
struct PrepareContext {
  const fb::Executable &executable;
  const std::vector<Tensor> &buffers;
  const Driver &driver;
  CUstream stream;          // the compute stream, for what preparing must do on the GPU
  const CublasLt *cublasLt; // null until a matmul needs it
  cublasLtHandle_t cublasLtHandle;
  const Cudnn *cudnn; // null until a cuDNN call needs it
  cudnnHandle_t cudnnHandle;
  bool tf32;
  /// Bytes of workspace the program must provide: each prepare raises it to
  /// what its Step needs.
  size_t *workspaceBytes;
  /// Device memory a command keeps for itself (pooling's recomputed
  /// output); freed with the program.
  std::function<Status(size_t bytes, CUdeviceptr *out)> allocate;
  /// Descriptors and other handles a Step holds, destroyed with the program.
  std::vector<std::function<void()>> *cleanups;

  /// Buffer `index`, which must have memory; `role` names it in messages.
  Status tensor(int64_t index, const char *role, Tensor *out) const;
};

/// The most workspace one library call may take (the algorithm choice
/// prefers the fastest that fits).
inline constexpr size_t kMaxWorkspaceBytes = size_t(256) << 20;

Status prepareMatmul(const PrepareContext &ctx, const fb::Matmul &op, Step *out);
Status prepareConv2D(const PrepareContext &ctx, const fb::Conv2D &op, Step *out);
Status prepareConv2DBackwardData(const PrepareContext &ctx, const fb::Conv2DBackwardData &op,
                                 Step *out);
Status prepareConv2DBackwardFilter(const PrepareContext &ctx, const fb::Conv2DBackwardFilter &op,
                                   Step *out);
Status preparePool2D(const PrepareContext &ctx, const fb::Pool2D &op, Step *out);
Status preparePool2DBackward(const PrepareContext &ctx, const fb::Pool2DBackward &op, Step *out);
Status prepareBatchNorm(const PrepareContext &ctx, const fb::BatchNorm &op, Step *out);
Status prepareBatchNormBackward(const PrepareContext &ctx, const fb::BatchNormBackward &op,
                                Step *out);

/// The device address of a tensor's data.
inline CUdeviceptr address(const Tensor &t) { return reinterpret_cast<CUdeviceptr>(t.data); }

} // namespace dlc::rt::cuda

#endif // DLC_RUNTIME_CUDA_CUDA_COMMANDS_H
