// Matmul on cuBLASLt. dlc's tensors are row-major and cuBLASLt's matrices
// column-major, so C = op(A) op(B) runs as C^T = op(B)^T op(A)^T: the
// column-major view of a row-major matrix is its transpose, and nothing
// moves. The bias (one value per column of C) and ReLU are the matmul's
// epilogue; a bias of C's whole shape is cuBLASLt's C operand (beta = 1).
// Batches broadcast with NumPy's rules: runs of batches whose operands
// advance by fixed strides are one strided-batched call each.
#include "broadcast.h"
#include "cuda_commands.h"

#include <algorithm>

namespace dlc::rt::cuda {
namespace {

struct Types {
  cudaDataType_t data, scale;
  cublasComputeType_t compute;
  size_t scaleBytes;
};

Status typesOf(const Tensor &c, bool tf32, Types *out) {
  switch (c.dtype) {
  case fb::DType::F32:
    *out = {CUDA_R_32F, CUDA_R_32F, tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F, 4};
    return okStatus();
  case fb::DType::F64:
    *out = {CUDA_R_64F, CUDA_R_64F, CUBLAS_COMPUTE_64F, 8};
    return okStatus();
  case fb::DType::F16:
    *out = {CUDA_R_16F, CUDA_R_32F, CUBLAS_COMPUTE_32F, 4};
    return okStatus();
  case fb::DType::BF16:
    *out = {CUDA_R_16BF, CUDA_R_32F, CUBLAS_COMPUTE_32F, 4};
    return okStatus();
  default:
    return error(DLC_UNAVAILABLE, "'{}' is {}: cuBLASLt matmuls take f32, f64, f16 or bf16", c.name,
                 describe(c.dtype, c.shape));
  }
}

/// One cuBLASLt call: `count` batches from the given element offsets on,
/// each operand advancing by its stride.
struct Call {
  int64_t count;
  int64_t aOffset, bOffset, biasOffset, cOffset;
  int64_t aStride, bStride, biasStride, cStride;
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t aLayout = nullptr, bLayout = nullptr, cLayout = nullptr,
                         biasLayout = nullptr; // biasLayout: the whole-shape bias as C
  cublasLtMatmulAlgo_t algo{};
};

/// Splits the batches into runs over which every operand's offset grows by
/// a fixed stride.
std::vector<Call> splitBatches(const std::vector<int64_t> &a, const std::vector<int64_t> &b,
                               const std::vector<int64_t> &bias, int64_t cMatrix) {
  std::vector<Call> calls;
  const int64_t batches = static_cast<int64_t>(a.size());
  int64_t start = 0;
  while (start < batches) {
    Call call{};
    call.aOffset = a[start];
    call.bOffset = b[start];
    call.biasOffset = bias.empty() ? 0 : bias[start];
    call.cOffset = start * cMatrix;
    call.cStride = cMatrix;
    int64_t end = start + 1;
    if (end < batches) {
      call.aStride = a[end] - a[start];
      call.bStride = b[end] - b[start];
      call.biasStride = bias.empty() ? 0 : bias[end] - bias[start];
      while (end < batches && a[end] - a[end - 1] == call.aStride &&
             b[end] - b[end - 1] == call.bStride &&
             (bias.empty() || bias[end] - bias[end - 1] == call.biasStride))
        ++end;
    }
    call.count = end - start;
    calls.push_back(call);
    start = end;
  }
  return calls;
}

/// The alignment cuBLASLt may assume of an operand: the largest power of
/// two up to 256 that divides the address of each of its batches.
uint32_t alignment(CUdeviceptr base, int64_t offset, int64_t stride, int64_t count,
                   size_t element) {
  uint64_t bits = base + static_cast<uint64_t>(offset) * element;
  if (count > 1)
    bits |= static_cast<uint64_t>(stride) * element;
  bits |= 256;
  return static_cast<uint32_t>(bits & (~bits + 1));
}

} // namespace

Status prepareMatmul(const PrepareContext &ctx, const fb::Matmul &op, Step *out) {
  const CublasLt &lt = *ctx.cublasLt;
  Tensor a, b, c, biasTensor;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.a(), "a", &a));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.b(), "b", &b));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.c(), "c", &c));
  const bool hasBias = op.bias() >= 0;
  if (hasBias)
    DLC_RETURN_IF_ERROR(ctx.tensor(op.bias(), "bias", &biasTensor));
  const Tensor &bias = hasBias ? biasTensor : c;
  for (const Tensor *t : std::initializer_list<const Tensor *>{&a, &b, &bias})
    if (t->dtype != c.dtype)
      return error(DLC_INVALID_FILE, "'{}' is {}, expected element type {} like '{}'", t->name,
                   describe(t->dtype, t->shape), dtypeName(c.dtype), c.name);
  Types types;
  DLC_RETURN_IF_ERROR(typesOf(c, ctx.tf32, &types));
  if (a.shape.rank < 2 || b.shape.rank < 2)
    return error(DLC_INVALID_FILE, "matmul operands need rank 2 or more, got {} and {}",
                 describe(a.dtype, a.shape), describe(b.dtype, b.shape));
  const int rank = std::max(a.shape.rank, b.shape.rank);
  if (c.shape.rank != rank)
    return error(DLC_INVALID_FILE, "'{}' is {}, expected rank {}", c.name,
                 describe(c.dtype, c.shape), rank);
  const Dims aDims = padDims(a.shape, rank), bDims = padDims(b.shape, rank),
             cDims = padDims(c.shape, rank);
  const bool ta = op.transpose_a(), tb = op.transpose_b();
  const int64_t m = aDims[rank - (ta ? 1 : 2)], k = aDims[rank - (ta ? 2 : 1)];
  const int64_t kb = bDims[rank - (tb ? 1 : 2)], n = bDims[rank - (tb ? 2 : 1)];
  if (k != kb || cDims[rank - 2] != m || cDims[rank - 1] != n)
    return error(DLC_INVALID_FILE, "matmul of {} and {} does not give {}",
                 describe(a.dtype, a.shape), describe(b.dtype, b.shape),
                 describe(c.dtype, c.shape));
  for (int i = 0; i < rank - 2; ++i)
    if ((aDims[i] != 1 && aDims[i] != cDims[i]) || (bDims[i] != 1 && bDims[i] != cDims[i]))
      return error(DLC_INVALID_FILE, "matmul batch dims of {} and {} do not broadcast to {}",
                   describe(a.dtype, a.shape), describe(b.dtype, b.shape),
                   describe(c.dtype, c.shape));

  // An empty result has nothing to compute; an empty contraction gives
  // zeros (a bias would need a kernel the runtime does not have).
  if (m == 0 || n == 0) {
    *out = [](CUstream, CUdeviceptr) { return okStatus(); };
    return okStatus();
  }
  if (k == 0) {
    if (hasBias)
      return error(DLC_UNAVAILABLE,
                   "a matmul over an empty dimension with a bias is not run on the GPU");
    const Driver &driver = ctx.driver;
    const CUdeviceptr target = address(c);
    const size_t bytes = c.bytes();
    *out = [&driver, target, bytes](CUstream stream, CUdeviceptr) {
      return driver.check(driver.cuMemsetD8Async(target, 0, bytes, stream), "zeroing a matmul");
    };
    return okStatus();
  }

  // The bias: a vector per column of c (epilogue), or c's whole matrix
  // (cuBLASLt's C operand), either broadcast over batches.
  bool biasVector = false, biasMatrix = false;
  Dims biasDims;
  if (hasBias) {
    if (bias.shape.rank > rank)
      return error(DLC_INVALID_FILE, "bias '{}' is {}, which does not broadcast to {}", bias.name,
                   describe(bias.dtype, bias.shape), describe(c.dtype, c.shape));
    biasDims = padDims(bias.shape, rank);
    for (int i = 0; i < rank; ++i)
      if (biasDims[i] != 1 && biasDims[i] != cDims[i])
        return error(DLC_INVALID_FILE, "bias '{}' is {}, which does not broadcast to {}", bias.name,
                     describe(bias.dtype, bias.shape), describe(c.dtype, c.shape));
    if (biasDims[rank - 2] == 1 && biasDims[rank - 1] == n)
      biasVector = true;
    else if (biasDims[rank - 2] == m && biasDims[rank - 1] == n)
      biasMatrix = true;
    else
      return error(DLC_UNAVAILABLE,
                   "bias '{}' is {}: the CUDA backend adds a matmul bias of one value per "
                   "column or of the result's whole shape, not one per row",
                   bias.name, describe(bias.dtype, bias.shape));
  }

  std::vector<Call> calls =
      splitBatches(batchOffsets(aDims, cDims), batchOffsets(bDims, cDims),
                   hasBias ? batchOffsets(biasDims, cDims) : std::vector<int64_t>(), m * n);
  auto calls_ = std::make_shared<std::vector<Call>>(std::move(calls));
  ctx.cleanups->push_back([&lt, calls_] {
    for (Call &call : *calls_) {
      for (cublasLtMatrixLayout_t layout :
           {call.aLayout, call.bLayout, call.cLayout, call.biasLayout})
        if (layout)
          lt.cublasLtMatrixLayoutDestroy(layout);
      if (call.desc)
        lt.cublasLtMatmulDescDestroy(call.desc);
    }
  });

  cublasLtMatmulPreference_t preference = nullptr;
  DLC_RETURN_IF_ERROR(
      lt.check(lt.cublasLtMatmulPreferenceCreate(&preference), "creating a matmul preference"));
  struct PreferenceGuard {
    const CublasLt &lt;
    cublasLtMatmulPreference_t p;
    ~PreferenceGuard() { lt.cublasLtMatmulPreferenceDestroy(p); }
  } preferenceGuard{lt, preference};
  const uint64_t maxWorkspace = kMaxWorkspaceBytes;
  DLC_RETURN_IF_ERROR(lt.check(
      lt.cublasLtMatmulPreferenceSetAttribute(preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                              &maxWorkspace, sizeof maxWorkspace),
      "setting the matmul workspace"));

  const size_t element = dtypeSize(c.dtype);
  for (Call &call : *calls_) {
    // cuBLASLt's A is our b and its B our a (see the file comment).
    const cublasOperation_t opA = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t opB = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
    const uint64_t aRows = tb ? k : n, aCols = tb ? n : k; // b stored [k, n] or [n, k]
    const uint64_t bRows = ta ? m : k, bCols = ta ? k : m; // a stored [m, k] or [k, m]
    DLC_RETURN_IF_ERROR(lt.check(
        lt.cublasLtMatmulDescCreate(&call.desc, types.compute, types.scale), "matmul descriptor"));
    DLC_RETURN_IF_ERROR(lt.check(
        lt.cublasLtMatmulDescSetAttribute(call.desc, CUBLASLT_MATMUL_DESC_TRANSA, &opA, sizeof opA),
        "matmul transpose"));
    DLC_RETURN_IF_ERROR(lt.check(
        lt.cublasLtMatmulDescSetAttribute(call.desc, CUBLASLT_MATMUL_DESC_TRANSB, &opB, sizeof opB),
        "matmul transpose"));
    const bool relu = op.activation() == fb::Activation::Relu;
    cublasLtEpilogue_t epilogue =
        biasVector ? (relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS)
                   : (relu ? CUBLASLT_EPILOGUE_RELU : CUBLASLT_EPILOGUE_DEFAULT);
    DLC_RETURN_IF_ERROR(
        lt.check(lt.cublasLtMatmulDescSetAttribute(call.desc, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                                   &epilogue, sizeof epilogue),
                 "matmul epilogue"));
    if (biasVector) {
      const void *biasPointer = static_cast<const uint8_t *>(bias.data) + call.biasOffset * element;
      DLC_RETURN_IF_ERROR(
          lt.check(lt.cublasLtMatmulDescSetAttribute(call.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                                     &biasPointer, sizeof biasPointer),
                   "matmul bias"));
      const int64_t biasStride = call.biasStride;
      DLC_RETURN_IF_ERROR(lt.check(
          lt.cublasLtMatmulDescSetAttribute(call.desc, CUBLASLT_MATMUL_DESC_BIAS_BATCH_STRIDE,
                                            &biasStride, sizeof biasStride),
          "matmul bias stride"));
    }
    auto layout = [&](cublasLtMatrixLayout_t *out, uint64_t rows, uint64_t cols, int64_t stride) {
      DLC_RETURN_IF_ERROR(lt.check(
          lt.cublasLtMatrixLayoutCreate(out, types.data, rows, cols, static_cast<int64_t>(rows)),
          "matrix layout"));
      const int32_t count = static_cast<int32_t>(call.count);
      DLC_RETURN_IF_ERROR(
          lt.check(lt.cublasLtMatrixLayoutSetAttribute(*out, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                                       &count, sizeof count),
                   "batch count"));
      return lt.check(
          lt.cublasLtMatrixLayoutSetAttribute(*out, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                                              &stride, sizeof stride),
          "batch stride");
    };
    DLC_RETURN_IF_ERROR(layout(&call.aLayout, aRows, aCols, call.bStride));
    DLC_RETURN_IF_ERROR(layout(&call.bLayout, bRows, bCols, call.aStride));
    DLC_RETURN_IF_ERROR(layout(&call.cLayout, n, m, call.cStride));
    if (biasMatrix)
      DLC_RETURN_IF_ERROR(layout(&call.biasLayout, n, m, call.biasStride));

    // cuBLASLt assumes 256-byte aligned matrices unless told otherwise; the
    // memory plan aligns buffers less.
    const uint32_t aligned[4] = {
        alignment(address(b), call.bOffset, call.bStride, call.count, element),
        alignment(address(a), call.aOffset, call.aStride, call.count, element),
        biasMatrix ? alignment(address(bias), call.biasOffset, call.biasStride, call.count, element)
                   : alignment(address(c), call.cOffset, call.cStride, call.count, element),
        alignment(address(c), call.cOffset, call.cStride, call.count, element)};
    const cublasLtMatmulPreferenceAttributes_t alignments[4] = {
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES,
        CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES};
    for (int i = 0; i < 4; ++i)
      DLC_RETURN_IF_ERROR(lt.check(lt.cublasLtMatmulPreferenceSetAttribute(
                                       preference, alignments[i], &aligned[i], sizeof aligned[i]),
                                   "matmul alignment"));
    cublasLtMatmulHeuristicResult_t result{};
    int found = 0;
    DLC_RETURN_IF_ERROR(lt.check(
        lt.cublasLtMatmulAlgoGetHeuristic(ctx.cublasLtHandle, call.desc, call.aLayout, call.bLayout,
                                          biasMatrix ? call.biasLayout : call.cLayout, call.cLayout,
                                          preference, 1, &result, &found),
        "choosing a matmul algorithm"));
    if (found == 0)
      return error(DLC_UNAVAILABLE, "cuBLASLt has no algorithm for a {}x{}x{} {} matmul", m, n, k,
                   dtypeName(c.dtype));
    call.algo = result.algo;
    *ctx.workspaceBytes = std::max(*ctx.workspaceBytes, result.workspaceSize);
  }

  const cublasLtHandle_t handle = ctx.cublasLtHandle;
  const bool isDouble = c.dtype == fb::DType::F64;
  const CUdeviceptr aBase = address(a), bBase = address(b), cBase = address(c),
                    biasBase = hasBias ? address(bias) : 0;
  const size_t workspaceBytes = *ctx.workspaceBytes;
  *out = [&lt, handle, calls_, isDouble, aBase, bBase, cBase, biasBase, biasMatrix, element,
          workspaceBytes](CUstream stream, CUdeviceptr workspace) {
    const float oneF = 1, zeroF = 0;
    const double oneD = 1, zeroD = 0;
    const void *alpha = isDouble ? static_cast<const void *>(&oneD) : &oneF;
    const void *beta = biasMatrix ? alpha : isDouble ? static_cast<const void *>(&zeroD) : &zeroF;
    for (const Call &call : *calls_) {
      auto at = [element](CUdeviceptr base, int64_t offset) {
        return reinterpret_cast<void *>(base + static_cast<CUdeviceptr>(offset) * element);
      };
      void *cPointer = at(cBase, call.cOffset);
      const void *cInput = biasMatrix ? at(biasBase, call.biasOffset) : cPointer;
      DLC_RETURN_IF_ERROR(
          lt.check(lt.cublasLtMatmul(handle, call.desc, alpha, at(bBase, call.bOffset),
                                     call.aLayout, at(aBase, call.aOffset), call.bLayout, beta,
                                     cInput, biasMatrix ? call.biasLayout : call.cLayout, cPointer,
                                     call.cLayout, &call.algo, reinterpret_cast<void *>(workspace),
                                     workspaceBytes, reinterpret_cast<cudaStream_t>(stream)),
                   "cublasLtMatmul"));
    }
    return okStatus();
  };
  return okStatus();
}

} // namespace dlc::rt::cuda
