// A stand-in for cuBLASLt (libcublasLt.so.13) that multiplies on the CPU,
// beside the fake driver (fake_libcuda.cpp), for tests of the CUDA
// backend's matmuls without a GPU. It follows cuBLASLt's documented
// semantics, written independently of the backend: column-major matrices
// of `rows` x `cols` with leading dimension `ld`, op(A) transposing when
// asked, D = alpha op(A) op(B) + beta C, then the epilogue: the bias vector
// (one value per row of D, its batches BIAS_BATCH_STRIDE apart) and ReLU;
// strided batches, a stride of 0 repeating a matrix. f32 and f64 only.
#include <cublasLt.h>
#include <cuda.h>

#include <cstdlib>
#include <cstring>
#include <functional>

extern "C" void fakeCudaEnqueue(CUstream stream, std::function<void()> *work);

namespace {

struct Desc {
  cublasComputeType_t compute;
  cudaDataType_t scale;
  cublasOperation_t transA = CUBLAS_OP_N, transB = CUBLAS_OP_N;
  cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_DEFAULT;
  const void *bias = nullptr;
  int64_t biasStride = 0;
};

struct Layout {
  cudaDataType_t type;
  uint64_t rows, cols;
  int64_t ld;
  int32_t batches = 1;
  int64_t stride = 0;
};

template <typename T>
void multiply(const Desc &d, const T *alpha, const T *a, const Layout &la, const T *b,
              const Layout &lb, const T *beta, const T *c, const Layout &lc, T *out,
              const Layout &ld) {
  const bool ta = d.transA == CUBLAS_OP_T, tb = d.transB == CUBLAS_OP_T;
  const uint64_t m = ld.rows, n = ld.cols, k = ta ? la.rows : la.cols;
  for (int32_t batch = 0; batch < ld.batches; ++batch) {
    const T *A = a + batch * la.stride, *B = b + batch * lb.stride, *C = c + batch * lc.stride;
    T *D = out + batch * ld.stride;
    const T *bias = static_cast<const T *>(d.bias) + batch * d.biasStride;
    for (uint64_t i = 0; i < m; ++i)
      for (uint64_t j = 0; j < n; ++j) {
        double sum = 0;
        for (uint64_t p = 0; p < k; ++p) {
          const T x = ta ? A[p + i * la.ld] : A[i + p * la.ld];
          const T y = tb ? B[j + p * lb.ld] : B[p + j * lb.ld];
          sum += static_cast<double>(x) * static_cast<double>(y);
        }
        double value = *alpha * sum;
        if (*beta != 0)
          value += *beta * static_cast<double>(C[i + j * lc.ld]);
        if (d.epilogue == CUBLASLT_EPILOGUE_BIAS || d.epilogue == CUBLASLT_EPILOGUE_RELU_BIAS)
          value += static_cast<double>(bias[i]);
        if (d.epilogue == CUBLASLT_EPILOGUE_RELU || d.epilogue == CUBLASLT_EPILOGUE_RELU_BIAS)
          value = value > 0 ? value : 0;
        D[i + j * ld.ld] = static_cast<T>(value);
      }
  }
}

} // namespace

extern "C" {

size_t cublasLtGetVersion(void) { return 130100; }
size_t cublasLtGetCudartVersion(void) { return 13000; }
const char *cublasLtGetStatusString(cublasStatus_t status) {
  return status == CUBLAS_STATUS_NOT_SUPPORTED ? "CUBLAS_STATUS_NOT_SUPPORTED (fake)"
                                               : "fake cuBLASLt error";
}

cublasStatus_t cublasLtCreate(cublasLtHandle_t *handle) {
  *handle = reinterpret_cast<cublasLtHandle_t>(new int(0));
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtDestroy(cublasLtHandle_t handle) {
  delete reinterpret_cast<int *>(handle);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t *desc, cublasComputeType_t compute,
                                        cudaDataType_t scale) {
  *desc = reinterpret_cast<cublasLtMatmulDesc_t>(new Desc{compute, scale});
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t desc) {
  delete reinterpret_cast<Desc *>(desc);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulDescSetAttribute(cublasLtMatmulDesc_t desc,
                                              cublasLtMatmulDescAttributes_t attribute,
                                              const void *value, size_t bytes) {
  Desc &d = *reinterpret_cast<Desc *>(desc);
  switch (attribute) {
  case CUBLASLT_MATMUL_DESC_TRANSA:
    std::memcpy(&d.transA, value, sizeof d.transA);
    break;
  case CUBLASLT_MATMUL_DESC_TRANSB:
    std::memcpy(&d.transB, value, sizeof d.transB);
    break;
  case CUBLASLT_MATMUL_DESC_EPILOGUE:
    std::memcpy(&d.epilogue, value, sizeof d.epilogue);
    break;
  case CUBLASLT_MATMUL_DESC_BIAS_POINTER:
    std::memcpy(&d.bias, value, sizeof d.bias);
    break;
  case CUBLASLT_MATMUL_DESC_BIAS_BATCH_STRIDE:
    std::memcpy(&d.biasStride, value, sizeof d.biasStride);
    break;
  default:
    return CUBLAS_STATUS_NOT_SUPPORTED;
  }
  return bytes > 0 ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_INVALID_VALUE;
}

cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t *layout, cudaDataType type,
                                          uint64_t rows, uint64_t cols, int64_t ld) {
  if (ld < static_cast<int64_t>(rows))
    return CUBLAS_STATUS_INVALID_VALUE;
  *layout = reinterpret_cast<cublasLtMatrixLayout_t>(new Layout{type, rows, cols, ld});
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t layout) {
  delete reinterpret_cast<Layout *>(layout);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatrixLayoutSetAttribute(cublasLtMatrixLayout_t layout,
                                                cublasLtMatrixLayoutAttribute_t attribute,
                                                const void *value, size_t) {
  Layout &l = *reinterpret_cast<Layout *>(layout);
  if (attribute == CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT)
    std::memcpy(&l.batches, value, sizeof l.batches);
  else if (attribute == CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET)
    std::memcpy(&l.stride, value, sizeof l.stride);
  else
    return CUBLAS_STATUS_NOT_SUPPORTED;
  return CUBLAS_STATUS_SUCCESS;
}

// The preference: the workspace limit and the alignment of A, B, C and D
// that algorithms may assume (256 bytes unless told less, as cuBLASLt).
struct Preference {
  uint64_t workspace = 0;
  uint32_t alignment[4] = {256, 256, 256, 256};
};

cublasStatus_t cublasLtMatmulPreferenceCreate(cublasLtMatmulPreference_t *preference) {
  *preference = reinterpret_cast<cublasLtMatmulPreference_t>(new Preference());
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulPreferenceDestroy(cublasLtMatmulPreference_t preference) {
  delete reinterpret_cast<Preference *>(preference);
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmulPreferenceSetAttribute(cublasLtMatmulPreference_t preference,
                                                    cublasLtMatmulPreferenceAttributes_t attribute,
                                                    const void *value, size_t) {
  Preference &p = *reinterpret_cast<Preference *>(preference);
  switch (attribute) {
  case CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES:
    std::memcpy(&p.workspace, value, sizeof p.workspace);
    return CUBLAS_STATUS_SUCCESS;
  case CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES:
  case CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES:
  case CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES:
  case CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES:
    std::memcpy(&p.alignment[attribute - CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES], value,
                sizeof(uint32_t));
    return CUBLAS_STATUS_SUCCESS;
  default:
    return CUBLAS_STATUS_NOT_SUPPORTED;
  }
}

cublasStatus_t cublasLtMatmulAlgoGetHeuristic(cublasLtHandle_t, cublasLtMatmulDesc_t desc,
                                              cublasLtMatrixLayout_t a, cublasLtMatrixLayout_t b,
                                              cublasLtMatrixLayout_t c, cublasLtMatrixLayout_t d,
                                              cublasLtMatmulPreference_t preference, int requested,
                                              cublasLtMatmulHeuristicResult_t results[],
                                              int *found) {
  const Desc &m = *reinterpret_cast<Desc *>(desc);
  const Layout &la = *reinterpret_cast<Layout *>(a), &lb = *reinterpret_cast<Layout *>(b),
               &lc = *reinterpret_cast<Layout *>(c), &ldd = *reinterpret_cast<Layout *>(d);
  const bool ta = m.transA == CUBLAS_OP_T, tb = m.transB == CUBLAS_OP_T;
  const uint64_t am = ta ? la.cols : la.rows, ak = ta ? la.rows : la.cols;
  const uint64_t bk = tb ? lb.cols : lb.rows, bn = tb ? lb.rows : lb.cols;
  *found = 0;
  if (am != ldd.rows || bn != ldd.cols || ak != bk || lc.rows != ldd.rows || lc.cols != ldd.cols ||
      la.batches != ldd.batches || lb.batches != ldd.batches)
    return CUBLAS_STATUS_INVALID_VALUE;
  if (la.type != CUDA_R_32F && la.type != CUDA_R_64F)
    return CUBLAS_STATUS_NOT_SUPPORTED;
  if (requested < 1)
    return CUBLAS_STATUS_INVALID_VALUE;
  std::memset(&results[0], 0, sizeof results[0]);
  results[0].workspaceSize = 4096; // the backend must give it this much
  // The algorithm assumes the alignments of the preference; cublasLtMatmul
  // refuses pointers aligned less.
  const Preference &p = *reinterpret_cast<Preference *>(preference);
  std::memcpy(results[0].algo.data, p.alignment, sizeof p.alignment);
  results[0].state = CUBLAS_STATUS_SUCCESS;
  *found = 1;
  return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t cublasLtMatmul(cublasLtHandle_t, cublasLtMatmulDesc_t desc, const void *alpha,
                              const void *a, cublasLtMatrixLayout_t la, const void *b,
                              cublasLtMatrixLayout_t lb, const void *beta, const void *c,
                              cublasLtMatrixLayout_t lc, void *d, cublasLtMatrixLayout_t ld,
                              const cublasLtMatmulAlgo_t *algo, void *workspace,
                              size_t workspaceBytes, cudaStream_t stream) {
  if (!algo || !workspace || workspaceBytes < 4096)
    return CUBLAS_STATUS_INVALID_VALUE;
  uint32_t assumed[4];
  std::memcpy(assumed, algo->data, sizeof assumed);
  const void *pointers[4] = {a, b, c, d};
  for (int i = 0; i < 4; ++i)
    if (reinterpret_cast<uintptr_t>(pointers[i]) % assumed[i] != 0)
      return CUBLAS_STATUS_NOT_SUPPORTED; // misaligned for the chosen algorithm
  const Desc m = *reinterpret_cast<Desc *>(desc);
  const Layout A = *reinterpret_cast<Layout *>(la), B = *reinterpret_cast<Layout *>(lb),
               C = *reinterpret_cast<Layout *>(lc), D = *reinterpret_cast<Layout *>(ld);
  std::function<void()> work;
  if (A.type == CUDA_R_32F) {
    const float al = *static_cast<const float *>(alpha), be = *static_cast<const float *>(beta);
    work = [=] {
      multiply<float>(m, &al, static_cast<const float *>(a), A, static_cast<const float *>(b), B,
                      &be, static_cast<const float *>(c), C, static_cast<float *>(d), D);
    };
  } else if (A.type == CUDA_R_64F) {
    const double al = *static_cast<const double *>(alpha), be = *static_cast<const double *>(beta);
    work = [=] {
      multiply<double>(m, &al, static_cast<const double *>(a), A, static_cast<const double *>(b), B,
                       &be, static_cast<const double *>(c), C, static_cast<double *>(d), D);
    };
  } else {
    return CUBLAS_STATUS_NOT_SUPPORTED;
  }
  fakeCudaEnqueue(reinterpret_cast<CUstream>(stream), &work);
  return CUBLAS_STATUS_SUCCESS;
}

} // extern "C"
