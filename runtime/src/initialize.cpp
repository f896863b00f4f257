// Parameter initialization from an executable's initializers.
//
// Random values come from a counter-based generator, so element i's value
// depends only on (key, i): the same on every platform and thread count, and
// any element can be computed on its own.
//
// The exact algorithm (a reimplementation must match it bit for bit):
//
//   key     = seed + seedOffset (uint64, wrapping), as k0 = low 32 bits,
//             k1 = high 32 bits
//   counter = (c0, c1, c2, c3) = (low 32 bits of i, high 32 bits of i, 0, 0)
//             for element i in row-major order
//   block   = Philox4x32-10(counter, key) -> (x0, x1, x2, x3): ten rounds of
//               hi0:lo0 = 0xD2511F53 * c0, hi1:lo1 = 0xCD9E8D57 * c2
//               (c0, c1, c2, c3) = (hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0)
//             with the key bumped after each of the first nine rounds by
//               k0 += 0x9E3779B9, k1 += 0xBB67AE85 (mod 2^32)
//             (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
//             SC 2011; the same as Random123's philox4x32 with 10 rounds)
//   u(a, b) = ((b << 32 | a) >> 11) * 2^-53, a double in [0, 1)
//   Uniform: v = low + (high - low) * u(x0, x1)
//   Normal:  Box-Muller, cosine branch:
//              v = mean + stddev * sqrt(-2 ln(1 - u(x0, x1))) * cos(2 pi u(x2, x3))
//   Rounding: v (a double) is rounded to nearest-even into f64 or f32; for
//             f16 and bf16 into f32 first, then from f32 to nearest-even.
//             Uniform values that round up to `high` become the largest
//             value of the dtype below `high`, keeping them in [low, high).
//
// sqrt is exact in IEEE arithmetic; log and cos come from the C library,
// whose results agree across glibc versions (and, after rounding to f32, in
// practice everywhere).
#include "device.h"
#include "float16.h"
#include "random.h"

#include <cmath>
#include <cstring>

namespace dlc::rt {

namespace {

/// The next 16-bit float pattern toward minus infinity (finite inputs).
uint16_t stepDown16(uint16_t bits) {
  if (bits == 0x0000)
    return 0x8001; // +0 -> the smallest negative subnormal
  return (bits & 0x8000) ? bits + 1 : bits - 1;
}

/// Stores `value` rounded to `dtype` at element `i`; with `below`, the
/// stored value is kept strictly below it.
void store(const Tensor &tensor, int64_t i, double value, const double *below) {
  switch (tensor.dtype) {
  case fb::DType::F64: {
    double v = value;
    if (below && v >= *below)
      v = std::nextafter(*below, -INFINITY);
    tensor.as<double>()[i] = v;
    return;
  }
  case fb::DType::F32: {
    float v = static_cast<float>(value);
    while (below && static_cast<double>(v) >= *below)
      v = std::nextafter(v, -INFINITY);
    tensor.as<float>()[i] = v;
    return;
  }
  case fb::DType::F16: {
    uint16_t v = toF16(static_cast<float>(value));
    while (below && static_cast<double>(fromF16(v)) >= *below)
      v = stepDown16(v);
    tensor.as<uint16_t>()[i] = v;
    return;
  }
  case fb::DType::BF16: {
    uint16_t v = toBf16(static_cast<float>(value));
    while (below && static_cast<double>(fromBf16(v)) >= *below)
      v = stepDown16(v);
    tensor.as<uint16_t>()[i] = v;
    return;
  }
  case fb::DType::I64:
    tensor.as<int64_t>()[i] = static_cast<int64_t>(value);
    return;
  case fb::DType::I32:
    tensor.as<int32_t>()[i] = static_cast<int32_t>(value);
    return;
  case fb::DType::U8:
  case fb::DType::I1:
    tensor.as<uint8_t>()[i] = static_cast<uint8_t>(value);
    return;
  }
}

} // namespace

Status initialize(const fb::Initializer &initializer, const Tensor &tensor, uint64_t seedOffset) {
  const int64_t n = tensor.elements();
  const uint64_t key = initializer.seed() + seedOffset;
  switch (initializer.kind()) {
  case fb::InitKind::Fill:
    for (int64_t i = 0; i < n; ++i)
      store(tensor, i, initializer.value(), nullptr);
    return okStatus();
  case fb::InitKind::Uniform: {
    const double low = initializer.low(), high = initializer.high();
    for (int64_t i = 0; i < n; ++i) {
      const PhiloxBlock block = philox4x32_10(elementCounter(static_cast<uint64_t>(i)), key);
      store(tensor, i, low + (high - low) * unitInterval(block.x[0], block.x[1]), &high);
    }
    return okStatus();
  }
  case fb::InitKind::Normal: {
    const double twoPi = 6.283185307179586476925286766559;
    for (int64_t i = 0; i < n; ++i) {
      const PhiloxBlock block = philox4x32_10(elementCounter(static_cast<uint64_t>(i)), key);
      const double radius = std::sqrt(-2.0 * std::log(1.0 - unitInterval(block.x[0], block.x[1])));
      const double z = radius * std::cos(twoPi * unitInterval(block.x[2], block.x[3]));
      store(tensor, i, initializer.mean() + initializer.stddev() * z, nullptr);
    }
    return okStatus();
  }
  case fb::InitKind::Data:
    if (!initializer.data() || initializer.data()->size() != tensor.bytes())
      return error(DLC_INVALID_FILE, "initializer of '{}' has {} bytes of data; the tensor has {}",
                   tensor.name, initializer.data() ? initializer.data()->size() : 0,
                   tensor.bytes());
    if (tensor.bytes() > 0)
      std::memcpy(tensor.data, initializer.data()->data(), tensor.bytes());
    return okStatus();
  }
  return error(DLC_INVALID_FILE, "initializer of '{}' has unknown kind {}", tensor.name,
               static_cast<int>(initializer.kind()));
}

} // namespace dlc::rt
