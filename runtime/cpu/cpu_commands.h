// What the CPU device needs from each command family (matmul.cpp, conv.cpp,
// ...): a prepare function that checks the command against its buffers and
// returns a Step, the code run() calls. Everything a Step touches (oneDNN
// primitives, memory objects, scratch) is made in prepare: a Step allocates
// nothing.
#ifndef DLC_RUNTIME_CPU_CPU_COMMANDS_H
#define DLC_RUNTIME_CPU_CPU_COMMANDS_H

#include "device.h"

#include <dnnl.hpp>

#include <algorithm>
#include <functional>
#include <vector>

namespace dlc::rt::cpu {

/// One prepared command.
using Step = std::function<Status()>;

/// The instruction sets the loops a command spends its time in are compiled
/// for (the build targets the baseline, so the runtime runs anywhere).
enum class VectorIsa { Baseline, Avx2, Avx512 };

/// The one this process runs: the best the CPU has, lowered by the
/// environment's DLC_CPU_ISA (avx512, avx2 or baseline) or, without it, by
/// oneDNN's ONEDNN_MAX_CPU_ISA (AVX512_*, AVX2*, SSE41), so that one setting
/// caps both the library's kernels and ours. Chosen once per process.
VectorIsa vectorIsa();
const char *vectorIsaName(VectorIsa isa);

/// A loop body written once as a DLC_VECTOR_BODY function (a template, or a
/// function with the loops) is compiled for each ISA by Vectorized<&body>:
/// its avx512() and avx2() copies inline the body under that target, and
/// call() runs the copy vectorIsa() names. The body must reach its loops
/// through inlined calls only (what it calls out of line runs the baseline).
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DLC_VECTOR_BODY inline __attribute__((always_inline))
#define DLC_TARGET_AVX512 __attribute__((target("avx512f")))
#define DLC_TARGET_AVX2 __attribute__((target("avx2")))
#define DLC_ISA_VARIANTS 1
#else
#define DLC_VECTOR_BODY inline
#define DLC_ISA_VARIANTS 0
#endif

template <auto Body> struct Vectorized;

template <typename R, typename... A, R (*Body)(A...)> struct Vectorized<Body> {
#if DLC_ISA_VARIANTS
  DLC_TARGET_AVX512 static R avx512(A... a) { return Body(a...); }
  DLC_TARGET_AVX2 static R avx2(A... a) { return Body(a...); }
#endif
  static R baseline(A... a) { return Body(a...); }
  static R call(A... a) {
#if DLC_ISA_VARIANTS
    switch (vectorIsa()) {
    case VectorIsa::Avx512:
      return avx512(a...);
    case VectorIsa::Avx2:
      return avx2(a...);
    case VectorIsa::Baseline:
      break;
    }
#endif
    return baseline(a...);
  }
};

/// The dispatching function of a body: vectorized<&body<float>>(args...).
template <auto Body> inline constexpr auto vectorized = &Vectorized<Body>::call;

/// Below this many elements of work a command runs on one thread: starting
/// the OpenMP team costs more than it saves.
inline constexpr int64_t kParallelMinWork = int64_t(1) << 14;

/// f(first, count) over `rows` rows in blocks of up to kRowBlock, the blocks
/// spread over threads: a row loop that calls one vectorized body per block,
/// so that short rows (attention over 16 patches) pay no call each.
inline constexpr int64_t kRowBlock = 64;
template <typename F> void forRowBlocks(int64_t rows, int threads, bool parallel, F f) {
  const int64_t blocks = (rows + kRowBlock - 1) / kRowBlock;
#pragma omp parallel for num_threads(threads) if (parallel)
  for (int64_t b = 0; b < blocks; ++b)
    f(b * kRowBlock, std::min(kRowBlock, rows - b * kRowBlock));
}

/// What preparing a command sees.
struct Context {
  const fb::Executable &executable;
  const std::vector<Tensor> &buffers;
  const dnnl::engine &engine;
  const dnnl::stream &stream;
  int threads; // the OpenMP threads a command may use

  /// Buffer `index` of the executable, which must have memory; `role` names
  /// it in messages ("input", "filter", ...).
  Status tensor(int64_t index, const char *role, Tensor *out) const;
};

Status expectDtype(const Tensor &tensor, fb::DType dtype);
Status expectSameDtype(const Tensor &tensor, const Tensor &like);
Status expectShape(const Tensor &tensor, const Shape &shape);
Status expectElements(const Tensor &tensor, int64_t elements);
/// The dims of `tensor` before `axis` multiplied, the dim at `axis`, and
/// the dims after: how an op along one axis sees it.
struct AxisView {
  int64_t outer, size, inner;
};
Status axisView(const Tensor &tensor, int64_t axis, AxisView *out);
/// A Shape from a list of dims (a FlatBuffers vector or braces).
Shape shapeOf(const std::vector<int64_t> &dims);
/// The `count` values of an attribute vector (stride, padding, ...), all
/// `fallback` when the file leaves it empty, each at least `minimum`; an
/// error naming `what` otherwise.
Status attributeList(const flatbuffers::Vector<int64_t> *list, size_t count, int64_t fallback,
                     int64_t minimum, const char *what, std::vector<int64_t> *out);

/// Calls `body(T{})` with T = float or double for an f32 or f64 tensor.
template <typename Body> Status withFloatType(const Tensor &tensor, Body &&body) {
  switch (tensor.dtype) {
  case fb::DType::F32:
    return body(float{});
  case fb::DType::F64:
    return body(double{});
  default:
    return error(DLC_UNAVAILABLE, "'{}' is {}: the CPU backend computes this op in f32 or f64",
                 tensor.name, describe(tensor.dtype, tensor.shape));
  }
}

/// Calls `body(T{})` with T = int32_t or int64_t for an i32 or i64 tensor.
template <typename Body> Status withIndexType(const Tensor &tensor, Body &&body) {
  switch (tensor.dtype) {
  case fb::DType::I32:
    return body(int32_t{});
  case fb::DType::I64:
    return body(int64_t{});
  default:
    return error(DLC_INVALID_FILE, "'{}' is {}: expected i32 or i64 indices", tensor.name,
                 describe(tensor.dtype, tensor.shape));
  }
}

/// Calls `body(T{})` for the numeric element types a reduction reads.
template <typename Body> Status withNumericType(const Tensor &tensor, Body &&body) {
  switch (tensor.dtype) {
  case fb::DType::F32:
    return body(float{});
  case fb::DType::F64:
    return body(double{});
  case fb::DType::I64:
    return body(int64_t{});
  case fb::DType::I32:
    return body(int32_t{});
  case fb::DType::U8:
    return body(uint8_t{});
  default:
    return error(DLC_UNAVAILABLE, "'{}' is {}: the CPU backend does not reduce this element type",
                 tensor.name, describe(tensor.dtype, tensor.shape));
  }
}

Status prepareMatmul(const Context &ctx, const fb::Matmul &op, Step *out);
Status prepareConv2D(const Context &ctx, const fb::Conv2D &op, Step *out);
Status preparePool2D(const Context &ctx, const fb::Pool2D &op, Step *out);
Status prepareConv2DBackwardData(const Context &ctx, const fb::Conv2DBackwardData &op, Step *out);
Status prepareConv2DBackwardFilter(const Context &ctx, const fb::Conv2DBackwardFilter &op,
                                   Step *out);
Status preparePool2DBackward(const Context &ctx, const fb::Pool2DBackward &op, Step *out);
Status prepareReduce(const Context &ctx, const fb::Reduce &op, Step *out);
Status prepareArgmax(const Context &ctx, const fb::Argmax &op, Step *out);
Status prepareTranspose(const Context &ctx, const fb::Transpose &op, Step *out);
Status prepareConcat(const Context &ctx, const fb::Concat &op, Step *out);
Status prepareSlice(const Context &ctx, const fb::Slice &op, Step *out);
Status preparePad(const Context &ctx, const fb::Pad &op, Step *out);
Status prepareCopy(const Context &ctx, const fb::Copy &op, Step *out);
Status prepareSoftmax(const Context &ctx, const fb::Softmax &op, Step *out);
Status prepareBatchNorm(const Context &ctx, const fb::BatchNorm &op, Step *out);
Status prepareBatchNormBackward(const Context &ctx, const fb::BatchNormBackward &op, Step *out);
Status prepareSoftmaxBackward(const Context &ctx, const fb::SoftmaxBackward &op, Step *out);
Status prepareLayerNormBackward(const Context &ctx, const fb::LayerNormBackward &op, Step *out);
Status prepareLayerNorm(const Context &ctx, const fb::LayerNorm &op, Step *out);
Status prepareEmbedding(const Context &ctx, const fb::Embedding &op, Step *out);
Status prepareDropout(const Context &ctx, const fb::Dropout &op, Step *out);
Status prepareSoftmaxCrossEntropy(const Context &ctx, const fb::SoftmaxCrossEntropy &op, Step *out);
Status prepareMseLoss(const Context &ctx, const fb::MseLoss &op, Step *out);
Status prepareAccuracy(const Context &ctx, const fb::Accuracy &op, Step *out);
Status prepareLaunch(const Context &ctx, const fb::Launch &op, Step *out);

/// The host build of a file's GPU kernels (emulate_cuda.cpp): loaded with
/// dlopen, a kernel run with its buffers' addresses.
Status openHostKernels(const std::string &path, void **out);
void closeHostKernels(void *library);
Status prepareHostLaunch(const Context &ctx, const fb::GpuLaunch &op, void *library, Step *out);

} // namespace dlc::rt::cpu

#endif // DLC_RUNTIME_CPU_CPU_COMMANDS_H
