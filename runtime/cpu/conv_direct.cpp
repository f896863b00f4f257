// A direct f32 convolution for narrow convolutions: few output channels per
// group, where oneDNN 2.6 pads the channels to its 16-wide blocks and
// reorders the images in and out (LeNet's 1 -> 6 channel first layer ran at
// a fifth of the FMA rate of a 32-channel one), and, below AVX-512,
// channels-last ones with few input channels (directPays has the numbers).
//
// A task is a band of output rows of one image. For each group it copies
// the input rows the band reads, once, into a zero-padded buffer, each row
// split into `stride` phases so that the taps of consecutive output columns
// are consecutive floats whatever the stride and dilation. Then tiles keep
// their sums in registers over every (channel, ky, kx) tap, in one of two
// orientations:
//  - column tiles (convTile): up to 8 output channels x U vectors of V
//    output columns; per tap U vector loads and 8U multiply-adds with
//    broadcast weights. For NCHW output, or channels-last with at most 8
//    channels a group.
//  - channel tiles (channelTile), for channels-last output with more:
//    P output columns x Cv vectors of V channels; per tap Cv vector loads of
//    the filter, P broadcast inputs, P * Cv multiply-adds, and each pixel's
//    channels stored as one run.
// The bias and the ReLU or tanh (vmath.h's fastTanh, as an activation fused
// into a library call has the library's own) are applied to a tile before
// it is stored. The filter is packed per run (it is a parameter that changes
// between steps) as [group][channel block][tap][block width].
//
// Compiled for AVX-512 (V = 16, up to 16 sums) and AVX2 with FMA (V = 8, up
// to 12 sums, of its 16 registers); below AVX2 oneDNN runs every
// convolution. Each output sums its taps in the same order with one fused
// multiply-add each, so both copies give the same bits.
#include "conv.h"
#include "vmath.h"

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
  int64_t groupIn, groupOut;      // channels per group
  int64_t blockWidth, blocks;     // output channels per packed filter block; blocks per group
  int64_t taps;                   // kernelH * kernelW
  int64_t paddedW;                // input columns the taps can read, padding included
  int64_t phaseLen, rowFloats;    // floats per phase; per input row
  int64_t chunk, chunks;          // output rows per task; tasks per image
  int64_t bandRows;               // input rows a task's output rows read
  int64_t lineStride;             // floats from one tap row (ky) to the next
  std::vector<int64_t> tapOffset; // per kx: its phase's start + its shift within
  int64_t channelFloats() const { return bandRows * rowFloats; }
  int64_t packedFloats() const { return g.groups * blocks * groupIn * taps * blockWidth; }
  int64_t scratchFloats() const { return groupIn * channelFloats(); }
};

/// Copies the input rows that output rows y0 on read (p.bandRows of them),
/// in group `group`, into `rows` as [channel][row][phase][phaseLen]: padded
/// column q goes to phase q % sx, index q / sx. Rows above or below the
/// image are zeros.
DLC_VECTOR_BODY void gatherBand(const DirectPlan &p, const float *image, int64_t group, int64_t y0,
                                float *rows) {
  const ConvGeometry &g = p.g;
  const int64_t sx = g.stride[1], left = g.padding[1];
  const int64_t right = std::max<int64_t>(p.paddedW - left - g.width, 0);
  for (int64_t c = 0; c < p.groupIn; ++c) {
    const float *channel = image + (group * p.groupIn + c) * p.in.c;
    for (int64_t r = 0; r < p.bandRows; ++r) {
      float *row = rows + c * p.channelFloats() + r * p.rowFloats;
      const int64_t iy = y0 * g.stride[0] - g.padding[0] + r;
      if (iy < 0 || iy >= g.height) {
        std::fill(row, row + p.rowFloats, 0.0f);
        continue;
      }
      const float *src = channel + iy * p.in.y;
      if (sx == 1) {
        std::fill(row, row + left, 0.0f);
        for (int64_t x = 0; x < g.width; ++x)
          row[left + x] = src[x * p.in.x];
        std::fill(row + left + g.width, row + left + g.width + right, 0.0f);
        continue;
      }
      for (int64_t q = 0; q < p.paddedW; ++q) {
        const int64_t ix = q - left;
        row[(q % sx) * p.phaseLen + q / sx] = ix >= 0 && ix < g.width ? src[ix * p.in.x] : 0.0f;
      }
    }
  }
}

/// A tile's tanh epilogue (vmath.h's fastTanh), vectorized in the copy it
/// is inlined into.
template <int N> DLC_VECTOR_BODY void applyTanh(float *tile) {
  for (int i = 0; i < N; ++i)
    tile[i] = vmath::fastTanh(tile[i]);
}

/// The input row of tap row `row` (channel row / kernelH, ky row % kernelH)
/// of the band, at output column x0.
DLC_VECTOR_BODY const float *tapLine(const DirectPlan &p, const float *band, int64_t row,
                                     int64_t x0) {
  return band + row / p.g.kernelH * p.channelFloats() + row % p.g.kernelH * p.lineStride + x0;
}

/// N vector sums into `tile` in order, with the activation applied.
template <int N, typename Vec>
DLC_VECTOR_BODY void finishTile(const Vec *sums, fb::Activation act, float *tile) {
  const Vec zero{};
  for (int i = 0; i < N; ++i) {
    Vec v = sums[i];
    if (act == fb::Activation::Relu)
      v = v > zero ? v : zero;
    std::memcpy(tile + i * (sizeof(Vec) / sizeof(float)), &v, sizeof v);
  }
  if (act == fb::Activation::Tanh)
    applyTanh<N *int(sizeof(Vec) / sizeof(float))>(tile);
}

/// tile[r][v] = bias[r] + sum over taps of w[tap][r] * the input at column
/// x0 + v of the tap's row (`band`: the gathered row of ky = 0, channel 0),
/// v < U * V, for the block's first R channels (fewer than
/// kChannelBlock in a last block). U vectors per channel give R * U
/// independent sums: enough to hide the multiply-add's latency.
template <int V, int U, int R>
DLC_VECTOR_BODY void convTile(const DirectPlan &p, const float *band, const float *w,
                              const float *bias, int64_t x0, fb::Activation act, float *tile) {
  using Vec = typename VecOf<V>::type;
  Vec acc[R][U];
  for (int r = 0; r < R; ++r)
    for (int u = 0; u < U; ++u)
      acc[r][u] = Vec{} + bias[r];
  const int64_t kernelW = p.g.kernelW;
  const int64_t *offset = p.tapOffset.data();
  for (int64_t row = 0; row < p.groupIn * p.g.kernelH; ++row) {
    const float *line = tapLine(p, band, row, x0);
    for (int64_t kx = 0; kx < kernelW; ++kx, w += kChannelBlock) {
      Vec x[U];
      for (int u = 0; u < U; ++u)
        std::memcpy(&x[u], line + offset[kx] + u * V, sizeof(Vec));
      for (int r = 0; r < R; ++r)
        for (int u = 0; u < U; ++u)
          acc[r][u] += w[r] * x[u];
    }
  }
  finishTile<R * U>(&acc[0][0], act, tile);
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
DLC_VECTOR_BODY void convBlock(const DirectPlan &p, const float *band, const float *w,
                               const float *bias, fb::Activation act, float *out) {
  constexpr int C = U * V;
  float tile[R * C];
  for (int64_t x0 = 0; x0 < p.g.outW; x0 += C) {
    convTile<V, U, R>(p, band, w, bias, x0, act, tile);
    storeTile<C, R>(p, tile, std::min<int64_t>(C, p.g.outW - x0), out + x0 * p.out.x);
  }
}

/// convBlock for a block of `channels` (1 to kChannelBlock) channels: two
/// vectors of columns per tile where that keeps at most `Sums` vector sums
/// and the row is wider than one, else one.
template <int V, int Sums, int R = kChannelBlock>
DLC_VECTOR_BODY void convBlockOf(int64_t channels, const DirectPlan &p, const float *band,
                                 const float *w, const float *bias, fb::Activation act,
                                 float *out) {
  if constexpr (R > 1) {
    if (channels < R)
      return convBlockOf<V, Sums, R - 1>(channels, p, band, w, bias, act, out);
  }
  if constexpr (2 * R <= Sums) {
    if (p.g.outW > V)
      return convBlock<V, 2, R>(p, band, w, bias, act, out);
  }
  convBlock<V, 1, R>(p, band, w, bias, act, out);
}

/// f(band, out, block, channels) for each group, output row y0 <= y < y1
/// of batch element n and block of p.blockWidth output channels: `band` the
/// gathered input rows of y (gathered once per group), `out` the block's
/// first channel in the output row, `block` its index among the packed
/// filter blocks, `channels` how many of its channels are real.
template <typename F>
DLC_VECTOR_BODY void forEachBlock(const DirectPlan &p, const float *input, float *rows,
                                  float *output, int64_t n, int64_t y0, int64_t y1, F f) {
  const ConvGeometry &g = p.g;
  for (int64_t group = 0; group < g.groups; ++group) {
    gatherBand(p, input + n * p.in.n, group, y0, rows);
    for (int64_t y = y0; y < y1; ++y) {
      const float *band = rows + (y - y0) * g.stride[0] * p.rowFloats;
      float *outRow = output + n * p.out.n + y * p.out.y;
      for (int64_t b = 0; b < p.blocks; ++b) {
        const int64_t first = group * p.groupOut + b * p.blockWidth;
        f(band, outRow + first * p.out.c, group * p.blocks + b,
          std::min<int64_t>(p.blockWidth, p.groupOut - b * p.blockWidth));
      }
    }
  }
}

/// Output rows [y0, y1) of batch element n in column tiles.
template <int V, int Sums>
DLC_VECTOR_BODY void convRows(const DirectPlan &p, const float *input, const float *packed,
                              const float *bias, fb::Activation act, float *rows, float *output,
                              int64_t n, int64_t y0, int64_t y1) {
  const int64_t blockFloats = p.groupIn * p.taps * kChannelBlock; // p.blockWidth
  forEachBlock(
      p, input, rows, output, n, y0, y1,
      [&](const float *band, float *out, int64_t block, int64_t channels)
          __attribute__((always_inline)) {
            convBlockOf<V, Sums>(channels, p, band, packed + block * blockFloats,
                                 bias + block * kChannelBlock, act, out);
          });
}

/// The other orientation, for channels-last output with more channels:
/// tile[x][c] = bias[c] + sum over taps of w[tap][c] * rows at column
/// x0 + x, for P output columns (pixels) x Cv vectors of V channels. Per
/// tap: Cv vector loads of the filter, P broadcast inputs, P * Cv
/// multiply-adds; each pixel's channels are stored as one run.
template <int V, int Cv, int P>
DLC_VECTOR_BODY void channelTile(const DirectPlan &p, const float *band, const float *w,
                                 const float *bias, int64_t x0, fb::Activation act, float *tile) {
  using Vec = typename VecOf<V>::type;
  Vec acc[P][Cv];
  for (int c = 0; c < Cv; ++c) {
    Vec b;
    std::memcpy(&b, bias + c * V, sizeof b);
    for (int x = 0; x < P; ++x)
      acc[x][c] = b;
  }
  const int64_t kernelW = p.g.kernelW;
  const int64_t *offset = p.tapOffset.data();
  for (int64_t row = 0; row < p.groupIn * p.g.kernelH; ++row) {
    const float *line = tapLine(p, band, row, x0);
    for (int64_t kx = 0; kx < kernelW; ++kx, w += Cv * V) {
      Vec wv[Cv];
      for (int c = 0; c < Cv; ++c)
        std::memcpy(&wv[c], w + c * V, sizeof(Vec));
      const float *in = line + offset[kx];
      for (int x = 0; x < P; ++x)
        for (int c = 0; c < Cv; ++c)
          acc[x][c] += in[x] * wv[c];
    }
  }
  finishTile<P * Cv>(&acc[0][0], act, tile);
}

/// Output rows [y0, y1) of batch element n in channel tiles.
template <int V, int Cv, int P>
DLC_VECTOR_BODY void channelRows(const DirectPlan &p, const float *input, const float *packed,
                                 const float *bias, fb::Activation act, float *rows, float *output,
                                 int64_t n, int64_t y0, int64_t y1) {
  constexpr int width = Cv * V; // == p.blockWidth
  const int64_t blockFloats = p.groupIn * p.taps * width;
  float tile[P * width];
  forEachBlock(
      p, input, rows, output, n, y0, y1,
      [&](const float *band, float *out, int64_t block, int64_t channels)
          __attribute__((always_inline)) {
            for (int64_t x0 = 0; x0 < p.g.outW; x0 += P) {
              channelTile<V, Cv, P>(p, band, packed + block * blockFloats, bias + block * width, x0,
                                    act, tile);
              const int64_t columns = std::min<int64_t>(P, p.g.outW - x0);
              float *pixels = out + x0 * p.out.x;
              if (channels == width) // a constant size: vector moves, not a call
                for (int64_t x = 0; x < columns; ++x)
                  std::memcpy(pixels + x * p.out.x, tile + x * width, width * sizeof(float));
              else
                for (int64_t x = 0; x < columns; ++x)
                  std::memcpy(pixels + x * p.out.x, tile + x * width, channels * sizeof(float));
            }
          });
}

using RowFn = void (*)(const DirectPlan &, const float *, const float *, const float *,
                       fb::Activation, float *, float *, int64_t, int64_t, int64_t);

#define DLC_DIRECT_ROW(name, target, ...)                                                          \
  target void name(const DirectPlan &p, const float *input, const float *packed,                   \
                   const float *bias, fb::Activation act, float *rows, float *output, int64_t n,   \
                   int64_t y0, int64_t y1) {                                                       \
    __VA_ARGS__(p, input, packed, bias, act, rows, output, n, y0, y1);                             \
  }
#if DLC_ISA_VARIANTS
#define DLC_TARGET_AVX2_FMA __attribute__((target("avx2,fma")))
DLC_DIRECT_ROW(convRowAvx512, DLC_TARGET_AVX512, convRows<16, 16>)
DLC_DIRECT_ROW(convRowAvx2, DLC_TARGET_AVX2_FMA, convRows<8, 12>)
DLC_DIRECT_ROW(channelRowAvx512x1, DLC_TARGET_AVX512, channelRows<16, 1, 12>)
DLC_DIRECT_ROW(channelRowAvx512x2, DLC_TARGET_AVX512, channelRows<16, 2, 6>)
DLC_DIRECT_ROW(channelRowAvx2x1, DLC_TARGET_AVX2_FMA, channelRows<8, 1, 12>)
DLC_DIRECT_ROW(channelRowAvx2x2, DLC_TARGET_AVX2_FMA, channelRows<8, 2, 6>)
#endif

/// How a direct convolution is tiled: its row function, the output columns
/// a tile covers and the output channels of a filter block.
struct Tiling {
  RowFn row = nullptr;
  int64_t columns = 0, blockWidth = 0;
};

/// The tiling for this process's ISA (none below AVX2 with FMA): output
/// columns in the vector (`channelTiles` false), or, for channels-last
/// output, channels in the vector, one vector's worth where a group has
/// that few, else two.
Tiling tiling(bool channelTiles, int64_t groupOut) {
  Tiling t;
#if DLC_ISA_VARIANTS
  const VectorIsa isa = vectorIsa();
  if (isa == VectorIsa::Baseline || (isa == VectorIsa::Avx2 && !__builtin_cpu_supports("fma")))
    return t;
  const bool wide = isa == VectorIsa::Avx512;
  const int64_t v = wide ? 16 : 8;
  if (!channelTiles) {
    t.row = wide ? convRowAvx512 : convRowAvx2;
    t.columns = 2 * v; // the widest tile (convBlockOf)
    t.blockWidth = kChannelBlock;
  } else if (groupOut <= v) {
    t.row = wide ? channelRowAvx512x1 : channelRowAvx2x1;
    t.columns = 12;
    t.blockWidth = v;
  } else {
    t.row = wide ? channelRowAvx512x2 : channelRowAvx2x2;
    t.columns = 6;
    t.blockWidth = 2 * v;
  }
#else
  (void)channelTiles;
  (void)groupOut;
#endif
  return t;
}

/// Whether the direct kernel beats oneDNN on `g`, as measured (batch 128,
/// 2 threads, 5x5 filters): with few output channels per group, where
/// oneDNN's 16-channel blocks are mostly padding (LeNet's 1 -> 6 layer with
/// its tanh: 0.40 against 0.93 ms); and, below AVX-512, for channels-last
/// images with few input channels per group, where oneDNN 2.6's AVX2 code
/// is slow (LeNet's 6 -> 16: 0.50 against 0.72 ms; fashion_cnn's 1 -> 32:
/// 1.13 against 1.52). oneDNN keeps the rest: at AVX-512 those two ran at
/// 0.53 against 0.38 and 1.13 against 1.08 ms, and a 32 -> 64 layer took
/// 17.0 against 9.8 ms.
bool directPays(const ConvGeometry &g) {
  const int64_t groupIn = g.inChannels / g.groups, groupOut = g.outChannels / g.groups;
  if (groupOut <= kChannelBlock)
    return true;
  return g.channelsLast && groupIn <= kChannelBlock && vectorIsa() == VectorIsa::Avx2;
}

/// Packs the filter (OIHW, [O][I/groups][KH][KW]) and bias as
/// [group][block][tap][blockWidth], zeros past each group's channels.
void packFilter(const DirectPlan &p, const float *filter, const float *bias, float *packed,
                float *packedBias) {
  const int64_t k = p.groupIn * p.taps, width = p.blockWidth;
  for (int64_t group = 0; group < p.g.groups; ++group)
    for (int64_t b = 0; b < p.blocks; ++b) {
      float *block = packed + (group * p.blocks + b) * k * width;
      float *blockBias = packedBias + (group * p.blocks + b) * width;
      for (int64_t r = 0; r < width; ++r) {
        const int64_t channel = b * width + r;
        const bool real = channel < p.groupOut;
        const float *w = filter + (group * p.groupOut + channel) * k;
        for (int64_t t = 0; t < k; ++t)
          block[t * width + r] = real ? w[t] : 0.0f;
        blockBias[r] = real && bias ? bias[group * p.groupOut + channel] : 0.0f;
      }
    }
}

} // namespace

bool prepareDirectConv(const Context &ctx, const ConvGeometry &g, const float *input,
                       const float *filter, const float *bias, float *output,
                       fb::Activation activation, Step *out) {
  const std::string_view choice = std::getenv("DLC_CPU_CONV") ? std::getenv("DLC_CPU_CONV") : "";
  const int64_t groupOut = g.outChannels / g.groups;
  const bool channelTiles = g.channelsLast && groupOut > kChannelBlock;
  const Tiling t = tiling(channelTiles, groupOut);
  if (!t.row || choice == "onednn" || (choice != "direct" && !directPays(g)))
    return false;
  const RowFn row = t.row;
  const int64_t columns = t.columns;

  auto p = std::make_shared<DirectPlan>();
  p->g = g;
  p->in = imageStrides(g.channelsLast, g.inChannels, g.height, g.width);
  p->out = imageStrides(g.channelsLast, g.outChannels, g.outH, g.outW);
  p->groupIn = g.inChannels / g.groups;
  p->groupOut = g.outChannels / g.groups;
  p->blockWidth = t.blockWidth;
  p->blocks = (p->groupOut + p->blockWidth - 1) / p->blockWidth;
  p->taps = g.kernelH * g.kernelW;
  const int64_t sx = g.stride[1], dx = g.dilation[1];
  p->paddedW = g.width + g.padding[1] + g.padding[3];
  const int64_t tiledW = (g.outW + columns - 1) / columns * columns;
  const int64_t maxShift = (g.kernelW - 1) * dx / sx;
  p->phaseLen = std::max((p->paddedW + sx - 1) / sx, tiledW + maxShift);
  p->rowFloats = sx * p->phaseLen;
  for (int64_t kx = 0; kx < g.kernelW; ++kx)
    p->tapOffset.push_back((kx * dx % sx) * p->phaseLen + kx * dx / sx);
  p->lineStride = g.dilation[0] * p->rowFloats;

  const int threads = std::max(1, ctx.threads);
  // A task is a band of output rows of one image, whose input rows are
  // gathered once: whole images where the batch has enough of them for the
  // threads, else bands of a share of the rows (a quarter of an image for
  // each thread at batch 1).
  p->chunks = std::min(g.outH, (4 * threads + g.batch - 1) / g.batch);
  p->chunk = (g.outH + p->chunks - 1) / p->chunks;
  p->chunks = (g.outH + p->chunk - 1) / p->chunk;
  p->bandRows = (p->chunk - 1) * g.stride[0] + (g.kernelH - 1) * g.dilation[0] + 1;
  // Zeroed once: a phase's tail past the image is never written and only
  // feeds tile columns past the row's end, which are not stored.
  auto scratch = std::make_shared<std::vector<float>>(
      threads * p->scratchFloats() + p->packedFloats() + g.groups * p->blocks * p->blockWidth,
      0.0f);
  const int64_t work = g.batch * g.outChannels * g.outH * g.outW * p->groupIn * p->taps;
  *out = [=]() {
    float *rowsBase = scratch->data();
    float *packed = rowsBase + threads * p->scratchFloats();
    float *packedBias = packed + p->packedFloats();
    packFilter(*p, filter, bias, packed, packedBias);
    const int64_t tasks = p->g.batch * p->chunks;
#pragma omp parallel num_threads(threads) if (work >= kParallelMinWork)
    {
      float *rows = rowsBase + omp_get_thread_num() * p->scratchFloats();
#pragma omp for schedule(static)
      for (int64_t t = 0; t < tasks; ++t) {
        const int64_t n = t / p->chunks, y0 = t % p->chunks * p->chunk;
        const int64_t y1 = std::min(y0 + p->chunk, p->g.outH);
        row(*p, input, packed, packedBias, activation, rows, output, n, y0, y1);
      }
    }
    return okStatus();
  };
  return true;
}

} // namespace dlc::rt::cpu
