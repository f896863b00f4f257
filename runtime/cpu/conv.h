// The geometry of a 2-D convolution as the CPU backend's convolution
// code sees it: conv.cpp (oneDNN and the f64 loops) and conv_direct.cpp
// (the f32 kernel for narrow convolutions).
#ifndef DLC_RUNTIME_CPU_CONV_H
#define DLC_RUNTIME_CPU_CONV_H

#include "cpu_commands.h"

#include <cstdint>
#include <vector>

namespace dlc::rt::cpu {

struct ConvGeometry {
  int64_t batch, inChannels, height, width;
  int64_t outChannels, kernelH, kernelW, outH, outW, groups;
  bool channelsLast;
  std::vector<int64_t> stride, padding, dilation; // padding: top, left, bottom, right

  /// f(tap, iy, ix) for each filter tap (ky * kernelW + kx, row-major) of
  /// output position (y, x) that reads inside the image.
  template <typename F> void forEachTap(int64_t y, int64_t x, F f) const {
    for (int64_t ky = 0; ky < kernelH; ++ky) {
      int64_t iy = y * stride[0] - padding[0] + ky * dilation[0];
      if (iy < 0 || iy >= height)
        continue;
      for (int64_t kx = 0; kx < kernelW; ++kx) {
        int64_t ix = x * stride[1] - padding[1] + kx * dilation[1];
        if (ix >= 0 && ix < width)
          f(ky * kernelW + kx, iy, ix);
      }
    }
  }
};

/// Element strides of a 4-D image tensor by role: batch, channel, row, column.
struct ImageStrides {
  int64_t n, c, y, x;
};

inline ImageStrides imageStrides(bool channelsLast, int64_t channels, int64_t height,
                                 int64_t width) {
  if (channelsLast)
    return {height * width * channels, 1, width * channels, channels};
  return {channels * height * width, height * width, width, 1};
}

/// A prepared f32 direct convolution for `g` (conv_direct.cpp), or false
/// where it does not pay: then oneDNN runs it. DLC_CPU_CONV=onednn or
/// =direct overrides the choice where the direct kernel can run (the tests
/// run both).
bool prepareDirectConv(const Context &ctx, const ConvGeometry &g, const float *input,
                       const float *filter, const float *bias, float *output,
                       fb::Activation activation, Step *out);

} // namespace dlc::rt::cpu

#endif // DLC_RUNTIME_CPU_CONV_H
