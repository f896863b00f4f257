// A direct f32 convolution for narrow convolutions, few output channels per
// group, where oneDNN 2.6 pads the channels to its 16-wide blocks and reorders the images in and out (LeNet's 1 -> 6 channel
// first layer ran at a fifth of the FMA rate of a 32-channel one).
//
// One task is an output row (batch element n, row y). For each group it
// copies the input rows the row's taps read into a zero-padded buffer, each
// row split into `stride` phases so that the taps of consecutive output
// columns are consecutive floats whatever the stride and dilation; then
// each tile of up to 8 output channels x U vectors of V output columns
// keeps its sums in registers over every (channel, ky, kx): U vector loads
// and 8U multiply-adds with broadcast weights per tap. It is stored with
// the bias and ReLU applied; a tanh runs over the finished row while it is
// in cache (in conv.cpp, which rounds as written). The filter is packed per
// run (it is a parameter that changes between steps) as
// [group][channel block][tap][8].
//
// Compiled for AVX-512 (V = 16, up to 16 sums) and AVX2 with FMA (V = 8, up
// to 12 sums, of its 16 registers); below AVX2
// oneDNN runs every convolution. Each output sums its taps in the same
// order with one fused multiply-add each, so both copies give the same bits.
#include "conv.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string_view>

#include <omp.h>

namespace dlc::rt::cpu {
namespace {

constexpr int kChannelBlock = 8; // output channels per tile

template <int V> struct VecOf {
  typedef float type __attribute__((vector_size(V * sizeof(float))));
};

struct DirectPlan {
  ConvGeometry g;
  ImageStrides in, out;
  int64_t groupIn, groupOut, blocks; // blocks of kChannelBlock output channels per group
  int64_t taps;                      // kernelH * kernelW
  int64_t paddedW;                   // input columns the taps can read, padding included
  int64_t phaseLen, rowFloats;       // floats per phase; per (channel, ky) row
  std::vector<int64_t> tapOffset;    // per kx: its phase's start + its shift within
  int64_t packedFloats() const { return g.groups * blocks * groupIn * taps * kChannelBlock; }
  int64_t scratchFloats() const { return groupIn * g.kernelH * rowFloats; }
};

/// Copies the input rows output row y reads, in group `group`, into `rows`
/// as [channel][ky][phase][phaseLen]: padded column p goes to phase p % sx,
/// index p / sx. Rows above or below the image are zeros.
DLC_VECTOR_BODY void gatherRows(const DirectPlan &p, const float *image, int64_t group, int64_t y,
                                float *rows) {
  const ConvGeometry &g = p.g;
  const int64_t sx = g.stride[1], left = g.padding[1];
  for (int64_t c = 0; c < p.groupIn; ++c) {
    const float *channel = image + (group * p.groupIn + c) * p.in.c;
    for (int64_t ky = 0; ky < g.kernelH; ++ky) {
      float *row = rows + (c * g.kernelH + ky) * p.rowFloats;
      const int64_t iy = y * g.stride[0] - g.padding[0] + ky * g.dilation[0];
      if (iy < 0 || iy >= g.height) {
        std::fill(row, row + p.rowFloats, 0.0f);
        continue;
      }
      const float *src = channel + iy * p.in.y;
      if (sx == 1) {
        const int64_t right = p.paddedW - left - g.width;
        std::fill(row, row + left, 0.0f);
        for (int64_t x = 0; x < g.width; ++x)
          row[left + x] = src[x * p.in.x];
        std::fill(row + left + g.width, row + left + g.width + std::max<int64_t>(right, 0), 0.0f);
        continue;
      }
      for (int64_t px = 0; px < p.paddedW; ++px) {
        const int64_t ix = px - left;
        row[(px % sx) * p.phaseLen + px / sx] = ix >= 0 && ix < g.width ? src[ix * p.in.x] : 0.0f;
      }
    }
  }
}

/// tile[r][v] = bias[r] + sum over taps of w[tap][r] * rows at column x0 + v
/// for v < U * V, for the block's first R channels (fewer than
/// kChannelBlock in a last block). U vectors per channel give R * U
/// independent sums: enough to hide the multiply-add's latency.
template <int V, int U, int R>
DLC_VECTOR_BODY void convTile(const DirectPlan &p, const float *rows, const float *w,
                              const float *bias, int64_t x0, bool relu, float *tile) {
  using Vec = typename VecOf<V>::type;
  Vec acc[R][U];
  for (int r = 0; r < R; ++r)
    for (int u = 0; u < U; ++u)
      acc[r][u] = Vec{} + bias[r];
  const int64_t kernelW = p.g.kernelW;
  const int64_t *offset = p.tapOffset.data();
  for (int64_t row = 0; row < p.groupIn * p.g.kernelH; ++row) {
    const float *line = rows + row * p.rowFloats + x0;
    for (int64_t kx = 0; kx < kernelW; ++kx, w += kChannelBlock) {
      Vec x[U];
      for (int u = 0; u < U; ++u)
        std::memcpy(&x[u], line + offset[kx] + u * V, sizeof(Vec));
      for (int r = 0; r < R; ++r)
        for (int u = 0; u < U; ++u)
          acc[r][u] += w[r] * x[u];
    }
  }
  const Vec zero{};
  for (int r = 0; r < R; ++r)
    for (int u = 0; u < U; ++u) {
      Vec v = relu ? (acc[r][u] > zero ? acc[r][u] : zero) : acc[r][u];
      std::memcpy(tile + r * U * V + u * V, &v, sizeof v);
    }
}

/// The tile's first `columns` columns (of C) of its R channels into the
/// output row: one contiguous run per channel where the channel stride is
/// not 1, one pixel's channels together where it is (channels-last).
template <int C, int R>
DLC_VECTOR_BODY void storeTile(const DirectPlan &p, const float *tile, int64_t columns,
                               float *out) {
  if (p.out.x == 1) {
    for (int r = 0; r < R; ++r)
      std::memcpy(out + r * p.out.c, tile + r * C, columns * sizeof(float));
    return;
  }
  if (columns == C) {
    for (int x = 0; x < C; ++x)
      for (int r = 0; r < R; ++r)
        out[x * p.out.x + r] = tile[r * C + x];
    return;
  }
  for (int64_t x = 0; x < columns; ++x)
    for (int r = 0; r < R; ++r)
      out[x * p.out.x + r] = tile[r * C + x];
}

template <int V, int U, int R>
DLC_VECTOR_BODY void convBlock(const DirectPlan &p, const float *rows, const float *w,
                               const float *bias, bool relu, float *out) {
  constexpr int C = U * V;
  float tile[R * C];
  for (int64_t x0 = 0; x0 < p.g.outW; x0 += C) {
    convTile<V, U, R>(p, rows, w, bias, x0, relu, tile);
    storeTile<C, R>(p, tile, std::min<int64_t>(C, p.g.outW - x0), out + x0 * p.out.x);
  }
}

/// convBlock for a block of `channels` (1 to kChannelBlock) channels, with
/// up to `Sums` vector sums.
template <int V, int Sums, int R = kChannelBlock>
DLC_VECTOR_BODY void convBlockOf(int64_t channels, const DirectPlan &p, const float *rows,
                                 const float *w, const float *bias, bool relu, float *out) {
  if constexpr (R > 1) {
    if (channels < R)
      return convBlockOf<V, Sums, R - 1>(channels, p, rows, w, bias, relu, out);
  }
  convBlock<V, std::max(1, Sums / R), R>(p, rows, w, bias, relu, out);
}

/// Output row y of batch element n, every group and channel.
template <int V, int Sums>
DLC_VECTOR_BODY void convRow(const DirectPlan &p, const float *input, const float *packed,
                             const float *bias, bool relu, float *rows, float *output, int64_t n,
                             int64_t y) {
  const ConvGeometry &g = p.g;
  const int64_t blockFloats = p.groupIn * p.taps * kChannelBlock;
  float *outRow = output + n * p.out.n + y * p.out.y;
  for (int64_t group = 0; group < g.groups; ++group) {
    gatherRows(p, input + n * p.in.n, group, y, rows);
    for (int64_t b = 0; b < p.blocks; ++b) {
      const int64_t block = group * p.blocks + b;
      const int64_t first = group * p.groupOut + b * kChannelBlock;
      convBlockOf<V, Sums>(std::min<int64_t>(kChannelBlock, p.groupOut - b * kChannelBlock), p, rows,
                     packed + block * blockFloats, bias + block * kChannelBlock, relu,
                     outRow + first * p.out.c);
    }
  }
}

using RowFn = void (*)(const DirectPlan &, const float *, const float *, const float *, bool,
                       float *, float *, int64_t, int64_t);

#if DLC_ISA_VARIANTS
DLC_TARGET_AVX512 void convRowAvx512(const DirectPlan &p, const float *input, const float *packed,
                                     const float *bias, bool relu, float *rows, float *output,
                                     int64_t n, int64_t y) {
  convRow<16, 16>(p, input, packed, bias, relu, rows, output, n, y);
}
__attribute__((target("avx2,fma"))) void convRowAvx2(const DirectPlan &p, const float *input,
                                                     const float *packed, const float *bias,
                                                     bool relu, float *rows, float *output,
                                                     int64_t n, int64_t y) {
  convRow<8, 12>(p, input, packed, bias, relu, rows, output, n, y);
}
#endif

/// The row function for this process's ISA, or null below AVX2 with FMA;
/// `columns` its tile width.
RowFn rowFunction(int64_t *columns) {
#if DLC_ISA_VARIANTS
  switch (vectorIsa()) {
  case VectorIsa::Avx512:
    *columns = 16;
    return convRowAvx512;
  case VectorIsa::Avx2:
    *columns = 8;
    return __builtin_cpu_supports("fma") ? convRowAvx2 : nullptr;
  case VectorIsa::Baseline:
    break;
  }
#endif
  (void)columns;
  return nullptr;
}

/// Whether the direct kernel beats oneDNN on `g`: with few output channels
/// per group, where oneDNN's 16-channel blocks are mostly padding. (With
/// 16 or more, oneDNN was faster even from one input channel: 1.17 against
/// 1.42 ms for fashion_cnn's 1 -> 32 channel 5x5 layer at batch 128.)
bool directPays(const ConvGeometry &g) { return g.outChannels / g.groups <= kChannelBlock; }

/// Packs the filter (OIHW, [O][I/groups][KH][KW]) and bias as
/// [group][block][tap][kChannelBlock], zeros past each group's channels.
void packFilter(const DirectPlan &p, const float *filter, const float *bias, float *packed,
                float *packedBias) {
  const int64_t k = p.groupIn * p.taps;
  for (int64_t group = 0; group < p.g.groups; ++group)
    for (int64_t b = 0; b < p.blocks; ++b) {
      float *block = packed + (group * p.blocks + b) * k * kChannelBlock;
      float *blockBias = packedBias + (group * p.blocks + b) * kChannelBlock;
      for (int64_t r = 0; r < kChannelBlock; ++r) {
        const int64_t channel = b * kChannelBlock + r;
        const bool real = channel < p.groupOut;
        const float *w = filter + (group * p.groupOut + channel) * k;
        for (int64_t t = 0; t < k; ++t)
          block[t * kChannelBlock + r] = real ? w[t] : 0.0f;
        blockBias[r] = real && bias ? bias[group * p.groupOut + channel] : 0.0f;
      }
    }
}

/// tanh over one output row, every channel.
void applyTanh(const DirectPlan &p, float *row) {
  if (p.out.c == 1) {
    tanhInPlace(row, p.g.outW * p.g.outChannels);
    return;
  }
  for (int64_t c = 0; c < p.g.outChannels; ++c)
    tanhInPlace(row + c * p.out.c, p.g.outW);
}

} // namespace

bool prepareDirectConv(const Context &ctx, const ConvGeometry &g, const float *input,
                       const float *filter, const float *bias, float *output,
                       fb::Activation activation, Step *out) {
  int64_t columns = 0;
  RowFn row = rowFunction(&columns);
  if (!row)
    return false;
  const char *choice = std::getenv("DLC_CPU_CONV");
  if (choice && std::string_view(choice) == "onednn")
    return false;
  if (!(choice && std::string_view(choice) == "direct") && !directPays(g))
    return false;

  auto p = std::make_shared<DirectPlan>();
  p->g = g;
  p->in = imageStrides(g.channelsLast, g.inChannels, g.height, g.width);
  p->out = imageStrides(g.channelsLast, g.outChannels, g.outH, g.outW);
  p->groupIn = g.inChannels / g.groups;
  p->groupOut = g.outChannels / g.groups;
  p->blocks = (p->groupOut + kChannelBlock - 1) / kChannelBlock;
  p->taps = g.kernelH * g.kernelW;
  const int64_t sx = g.stride[1], dx = g.dilation[1];
  p->paddedW = g.width + g.padding[1] + g.padding[3];
  const int64_t tiledW = (g.outW + columns - 1) / columns * columns;
  const int64_t maxShift = (g.kernelW - 1) * dx / sx;
  p->phaseLen = std::max((p->paddedW + sx - 1) / sx, tiledW + maxShift);
  p->rowFloats = sx * p->phaseLen;
  for (int64_t kx = 0; kx < g.kernelW; ++kx)
    p->tapOffset.push_back((kx * dx % sx) * p->phaseLen + kx * dx / sx);

  const int threads = std::max(1, ctx.threads);
  // Zeroed once: a phase's tail past the image is never written and only
  // feeds tile columns past the row's end, which are not stored.
  auto scratch = std::make_shared<std::vector<float>>(
      threads * p->scratchFloats() + p->packedFloats() + g.groups * p->blocks * kChannelBlock,
      0.0f);
  const int64_t work = g.batch * g.outChannels * g.outH * g.outW * p->groupIn * p->taps;
  const bool relu = activation == fb::Activation::Relu, tanh = activation == fb::Activation::Tanh;
  *out = [=]() {
    float *rowsBase = scratch->data();
    float *packed = rowsBase + threads * p->scratchFloats();
    float *packedBias = packed + p->packedFloats();
    packFilter(*p, filter, bias, packed, packedBias);
    const int64_t tasks = p->g.batch * p->g.outH;
#pragma omp parallel num_threads(threads) if (work >= kParallelMinWork)
    {
      float *rows = rowsBase + omp_get_thread_num() * p->scratchFloats();
#pragma omp for schedule(static)
      for (int64_t t = 0; t < tasks; ++t) {
        const int64_t n = t / p->g.outH, y = t % p->g.outH;
        row(*p, input, packed, packedBias, relu, rows, output, n, y);
        if (tanh) // on the row while it is in cache
          applyTanh(*p, output + n * p->out.n + y * p->out.y);
      }
    }
    return okStatus();
  };
  return true;
}

} // namespace dlc::rt::cpu
