// c = activation(op(a) x op(b) + bias), batched over the leading dimensions
// with NumPy broadcasting. f32 runs on oneDNN's matmul where the CPU has
// AVX-512 (transposes are strides of the memory descriptors, bias and ReLU
// are fused), and on OpenBLAS's SGEMM below that: Debian's oneDNN 2.6 GEMM
// reaches about half the AVX2 peak (fashion_cnn's dense layer, 128x3136 by
// 3136x1024: 8.9 ms on two AVX2 cores against OpenBLAS's 4.2-5.0). f64,
// which oneDNN lacks, runs on a blocked loop.
#include "broadcast.h"
#include "cpu_commands.h"
#include "onednn.h"

#include <cblas.h>

#include <algorithm>

namespace dlc::rt::cpu {
namespace {

// A matmul's operands as dims of c's rank: a is [batch, m, k] and b is
// [batch, k, n] as the product sees them; aStored / bStored are the layouts
// in memory (swapped last two when transposed).
struct MatmulShape {
  int rank;
  Dims aStored, bStored, c, bias;
  int64_t m, n, k;
  int64_t batches; // product of c's leading dims
};

Status matmulShape(const fb::Matmul &op, const Tensor &a, const Tensor &b, const Tensor &c,
                   const Tensor *bias, MatmulShape *out) {
  if (a.shape.rank < 2 || b.shape.rank < 2)
    return error(DLC_INVALID_FILE, "matmul operands need rank 2 or more, got {} and {}",
                 describe(a.dtype, a.shape), describe(b.dtype, b.shape));
  int rank = std::max(a.shape.rank, b.shape.rank);
  MatmulShape s;
  s.rank = rank;
  s.aStored = padDims(a.shape, rank);
  s.bStored = padDims(b.shape, rank);
  s.m = s.aStored[rank - (op.transpose_a() ? 1 : 2)];
  int64_t ka = s.aStored[rank - (op.transpose_a() ? 2 : 1)];
  s.k = s.bStored[rank - (op.transpose_b() ? 1 : 2)];
  s.n = s.bStored[rank - (op.transpose_b() ? 2 : 1)];
  if (ka != s.k)
    return error(DLC_INVALID_FILE, "matmul of {} and {} contracts {} with {}",
                 describe(a.dtype, a.shape), describe(b.dtype, b.shape), ka, s.k);
  s.c = Dims(rank);
  s.batches = 1;
  for (int i = 0; i < rank - 2; ++i) {
    int64_t da = s.aStored[i], db = s.bStored[i];
    if (da != db && da != 1 && db != 1)
      return error(DLC_INVALID_FILE, "matmul batch dims of {} and {} do not broadcast",
                   describe(a.dtype, a.shape), describe(b.dtype, b.shape));
    s.c[i] = da == 1 ? db : da;
    s.batches *= s.c[i];
  }
  s.c[rank - 2] = s.m;
  s.c[rank - 1] = s.n;
  Shape expected;
  expected.rank = rank;
  std::copy(s.c.begin(), s.c.end(), expected.dims.begin());
  DLC_RETURN_IF_ERROR(expectShape(c, expected));
  if (bias) {
    if (bias->shape.rank > rank)
      return error(DLC_INVALID_FILE, "bias '{}' is {}, which does not broadcast to {}", bias->name,
                   describe(bias->dtype, bias->shape), describe(c.dtype, c.shape));
    s.bias = padDims(bias->shape, rank);
    for (int i = 0; i < rank; ++i)
      if (s.bias[i] != 1 && s.bias[i] != s.c[i])
        return error(DLC_INVALID_FILE, "bias '{}' is {}, which does not broadcast to {}",
                     bias->name, describe(bias->dtype, bias->shape), describe(c.dtype, c.shape));
  }
  *out = std::move(s);
  return okStatus();
}

// The logical [batch, rows, cols] descriptor of an operand stored as `stored`,
// transposed through its strides.
dnnl::memory::desc operandDesc(const Dims &stored, bool transposed) {
  Dims dims = stored, strides = denseStrides(stored);
  size_t r = dims.size();
  if (transposed) {
    std::swap(dims[r - 1], dims[r - 2]);
    std::swap(strides[r - 1], strides[r - 2]);
  }
  return dnnl::memory::desc(dims, dnnl::memory::data_type::f32, strides);
}

Status prepareOneDnnMatmul(const Context &ctx, const fb::Matmul &op, const MatmulShape &s,
                           const Tensor &a, const Tensor &b, const Tensor &c, const Tensor *bias,
                           Step *out) {
  using dnnl::memory;
  memory::desc aDesc = operandDesc(s.aStored, op.transpose_a());
  memory::desc bDesc = operandDesc(s.bStored, op.transpose_b());
  memory::desc cDesc(s.c, memory::data_type::f32, denseStrides(s.c));
  memory::desc biasDesc;
  if (bias)
    biasDesc = memory::desc(s.bias, memory::data_type::f32, denseStrides(s.bias));

  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (op.activation() == fb::Activation::Relu) {
    dnnl::post_ops postOps;
    postOps.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(postOps);
  }
  dnnl::matmul::desc desc = bias ? dnnl::matmul::desc(aDesc, bDesc, biasDesc, cDesc)
                                 : dnnl::matmul::desc(aDesc, bDesc, cDesc);
  dnnl::matmul::primitive_desc pd(desc, attr, ctx.engine);

  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, memory(aDesc, ctx.engine, a.data)},
                                          {DNNL_ARG_WEIGHTS, memory(bDesc, ctx.engine, b.data)},
                                          {DNNL_ARG_DST, memory(cDesc, ctx.engine, c.data)},
                                          {DNNL_ARG_SCRATCHPAD, scratchpadFor(pd, ctx.engine)}};
  if (bias)
    args[DNNL_ARG_BIAS] = memory(biasDesc, ctx.engine, bias->data);
  BoundPrimitive matmul(dnnl::matmul(pd), std::move(args));
  dnnl::stream stream = ctx.stream;
  *out = [matmul, stream]() { return matmul.execute(stream); };
  return okStatus();
}

// What a matmul loop needs: its operands, sizes, flags and per-batch
// offsets (shared by the OpenBLAS and f64 paths).
template <typename T> struct MatmulPlan {
  const T *a, *b, *bias;
  T *c;
  int64_t m, n, k;
  bool transposeA, transposeB, relu;
  std::vector<int64_t> aOffset, bOffset; // per batch of c
  Dims biasStrides;                      // over c's dims, 0 where broadcast
  std::vector<int64_t> biasOffset;       // per batch of c
  int threads;
};

template <typename T>
MatmulPlan<T> matmulPlan(const Context &ctx, const fb::Matmul &op, const MatmulShape &s,
                         const Tensor &a, const Tensor &b, const Tensor &c, const Tensor *bias) {
  MatmulPlan<T> plan{a.as<T>(),
                     b.as<T>(),
                     bias ? bias->as<T>() : nullptr,
                     c.as<T>(),
                     s.m,
                     s.n,
                     s.k,
                     op.transpose_a(),
                     op.transpose_b(),
                     op.activation() == fb::Activation::Relu,
                     batchOffsets(s.aStored, s.c),
                     batchOffsets(s.bStored, s.c),
                     {},
                     {},
                     ctx.threads};
  if (bias) {
    plan.biasStrides = broadcastStrides(s.bias, s.c);
    plan.biasOffset = batchOffsets(s.bias, s.c);
  }
  return plan;
}

/// A Step running `Loop` (a MatmulPlan with run()).
template <typename Loop>
Status prepareLoop(const Context &ctx, const fb::Matmul &op, const MatmulShape &s, const Tensor &a,
                   const Tensor &b, const Tensor &c, const Tensor *bias, Step *out) {
  Loop loop{matmulPlan<typename Loop::Element>(ctx, op, s, a, b, c, bias)};
  *out = [loop]() {
    loop.run();
    return okStatus();
  };
  return okStatus();
}

// f32 on OpenBLAS: c starts as the broadcast bias (or zero) and SGEMM adds
// the product (beta 1); ReLU after. Several batches run one per thread (the
// OpenMP build of OpenBLAS runs single-threaded inside a parallel region);
// one runs on all threads.
struct BlasMatmul : MatmulPlan<float> {
  using Element = float;

  void batch(int64_t i) const {
    float *cBatch = c + i * m * n;
    if (bias) {
      const int64_t rowStride = biasStrides[biasStrides.size() - 2], step = biasStrides.back();
      for (int64_t row = 0; row < m; ++row) {
        const float *biasRow = bias + biasOffset[i] + row * rowStride;
        for (int64_t col = 0; col < n; ++col)
          cBatch[row * n + col] = biasRow[col * step];
      }
    }
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans,
                transposeB ? CblasTrans : CblasNoTrans, static_cast<blasint>(m),
                static_cast<blasint>(n), static_cast<blasint>(k), 1.0f, a + aOffset[i],
                static_cast<blasint>(transposeA ? m : k), b + bOffset[i],
                static_cast<blasint>(transposeB ? k : n), bias ? 1.0f : 0.0f, cBatch,
                static_cast<blasint>(n));
    if (relu)
      for (int64_t j = 0; j < m * n; ++j)
        cBatch[j] = cBatch[j] > 0 ? cBatch[j] : 0.0f;
  }

  void run() const {
    const int64_t batches = static_cast<int64_t>(aOffset.size());
    openblas_set_num_threads(threads);
    if (batches == 1) {
      batch(0);
      return;
    }
#pragma omp parallel for num_threads(threads) if (batches * m * n * k >= kParallelMinWork)
    for (int64_t i = 0; i < batches; ++i)
      batch(i);
  }
};

// f64: rows of c in blocks, k in blocks so a block of b stays in cache while
// a block of rows accumulates into c.
struct DoubleMatmul : MatmulPlan<double> {
  using Element = double;
  using T = double;

  T aAt(int64_t batch, int64_t row, int64_t col) const {
    return transposeA ? a[aOffset[batch] + col * m + row] : a[aOffset[batch] + row * k + col];
  }

  void run() const {
    constexpr int64_t kRows = 8, kDepth = 128;
    int64_t batches = static_cast<int64_t>(aOffset.size());
    int64_t rowBlocks = (m + kRows - 1) / kRows;
#pragma omp parallel for num_threads(threads) if (batches * m * n * k >= kParallelMinWork)
    for (int64_t block = 0; block < batches * rowBlocks; ++block) {
      int64_t batch = block / rowBlocks;
      int64_t row0 = block % rowBlocks * kRows, row1 = std::min(row0 + kRows, m);
      T *cBatch = c + batch * m * n;
      const T *bBatch = b + bOffset[batch];
      for (int64_t row = row0; row < row1; ++row)
        std::fill(cBatch + row * n, cBatch + (row + 1) * n, T(0));
      if (!transposeB) {
        for (int64_t k0 = 0; k0 < k; k0 += kDepth)
          for (int64_t row = row0; row < row1; ++row)
            for (int64_t kk = k0; kk < std::min(k0 + kDepth, k); ++kk) {
              T scale = aAt(batch, row, kk);
              const T *bRow = bBatch + kk * n;
              T *cRow = cBatch + row * n;
              for (int64_t col = 0; col < n; ++col)
                cRow[col] += scale * bRow[col];
            }
      } else {
        for (int64_t row = row0; row < row1; ++row)
          for (int64_t col = 0; col < n; ++col) {
            T sum = 0;
            for (int64_t kk = 0; kk < k; ++kk)
              sum += aAt(batch, row, kk) * bBatch[col * k + kk];
            cBatch[row * n + col] = sum;
          }
      }
      for (int64_t row = row0; row < row1; ++row) {
        T *cRow = cBatch + row * n;
        if (bias) {
          const T *biasRow = bias + biasOffset[batch] + row * biasStrides[biasStrides.size() - 2];
          int64_t step = biasStrides.back();
          for (int64_t col = 0; col < n; ++col)
            cRow[col] += biasRow[col * step];
        }
        if (relu)
          for (int64_t col = 0; col < n; ++col)
            cRow[col] = cRow[col] > 0 ? cRow[col] : T(0);
      }
    }
  }
};

} // namespace

Status prepareMatmul(const Context &ctx, const fb::Matmul &op, Step *out) {
  Tensor a, b, c, bias;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.a(), "a", &a));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.b(), "b", &b));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.c(), "c", &c));
  if (op.bias() >= 0) {
    DLC_RETURN_IF_ERROR(ctx.tensor(op.bias(), "bias", &bias));
    DLC_RETURN_IF_ERROR(expectSameDtype(bias, c));
  }
  DLC_RETURN_IF_ERROR(expectSameDtype(a, c));
  DLC_RETURN_IF_ERROR(expectSameDtype(b, c));
  const Tensor *biasOrNull = op.bias() >= 0 ? &bias : nullptr;
  MatmulShape shape;
  DLC_RETURN_IF_ERROR(matmulShape(op, a, b, c, biasOrNull, &shape));
  return withFloatType(c, [&](auto zero) {
    if constexpr (std::is_same_v<decltype(zero), float>)
      return vectorIsa() == VectorIsa::Avx512
                 ? prepareOneDnnMatmul(ctx, op, shape, a, b, c, biasOrNull, out)
                 : prepareLoop<BlasMatmul>(ctx, op, shape, a, b, c, biasOrNull, out);
    else
      return prepareLoop<DoubleMatmul>(ctx, op, shape, a, b, c, biasOrNull, out);
  });
}

} // namespace dlc::rt::cpu
