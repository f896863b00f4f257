// Element types as stored in buffers, and conversions between them with the
// rules of dl.cast: float to integer truncates toward zero (saturating at the
// integer's range, NaN gives 0), anything to i1 is `x != 0`, and f16 / bf16
// round to nearest, ties to even.
#ifndef DLC_RUNTIME_CPU_DTYPE_H
#define DLC_RUNTIME_CPU_DTYPE_H

#include "float16.h"
#include "tensor.h"

#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace dlc::rt::cpu {

struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};
struct Bool {
  uint8_t value; // 0 or 1
};

/// `value` rounded to a float with ties and inexact results going to the
/// neighbour with an odd mantissa. Rounding that float again to f16 or bf16
/// (far fewer mantissa bits) gives the correctly rounded f16 / bf16 of
/// `value`, which rounding double -> float -> f16 to nearest would not.
inline float floatRoundedToOdd(double value) {
  float nearest = static_cast<float>(value);
  uint32_t bits = floatBits(nearest);
  if (static_cast<double>(nearest) == value || (bits & 1) || value != value)
    return nearest;
  bool awayFromZero =
      (nearest < 0 ? -double(nearest) : double(nearest)) > (value < 0 ? -value : value);
  return bitsFloat(awayFromZero ? bits - 1 : bits + 1);
}

template <typename T> inline constexpr bool kIsFloat = std::is_floating_point_v<T>;

/// NaN test that compiles (to false) for integer types too.
template <typename T> inline bool isNan(T value) {
  if constexpr (kIsFloat<T>)
    return value != value;
  else
    return false;
}

/// Index of the first maximum of `n` values `stride` apart (n >= 1); the
/// first NaN counts as the maximum, as in NumPy's argmax.
template <typename T> int64_t firstMaximum(const T *x, int64_t n, int64_t stride) {
  int64_t best = 0;
  for (int64_t a = 1; a < n; ++a) {
    T value = x[a * stride], top = x[best * stride];
    if (isNan(top))
      break;
    if (value > top || isNan(value))
      best = a;
  }
  return best;
}

/// A stored element as the compute type C (float or double).
template <typename C, typename S> inline C toCompute(S value) {
  if constexpr (std::is_same_v<S, Half>)
    return static_cast<C>(fromF16(value.bits));
  else if constexpr (std::is_same_v<S, BFloat16>)
    return static_cast<C>(fromBf16(value.bits));
  else if constexpr (std::is_same_v<S, Bool>)
    return static_cast<C>(value.value);
  else
    return static_cast<C>(value);
}

/// `value` truncated toward zero into integer type I, saturating.
template <typename I, typename C> inline I truncateTo(C value) {
  if (value != value)
    return 0;
  if (value <= static_cast<C>(std::numeric_limits<I>::min()))
    return std::numeric_limits<I>::min();
  if (value >= static_cast<C>(std::numeric_limits<I>::max()))
    return std::numeric_limits<I>::max();
  return static_cast<I>(value);
}

/// A compute value (float or double) as stored element type S.
template <typename S, typename C> inline S fromCompute(C value) {
  if constexpr (std::is_same_v<S, Half> || std::is_same_v<S, BFloat16>) {
    float narrowed;
    if constexpr (std::is_same_v<C, double>)
      narrowed = floatRoundedToOdd(value);
    else
      narrowed = value;
    if constexpr (std::is_same_v<S, Half>)
      return Half{toF16(narrowed)};
    else
      return BFloat16{toBf16(narrowed)};
  } else if constexpr (std::is_same_v<S, Bool>) {
    return {uint8_t(value != 0)};
  } else if constexpr (kIsFloat<S>) {
    return static_cast<S>(value);
  } else {
    return truncateTo<S>(value);
  }
}

/// Calls `body(S{})` with the storage type S of `dtype`.
template <typename Body> auto withStorageType(fb::DType dtype, Body &&body) {
  switch (dtype) {
  case fb::DType::F32:
    return body(float{});
  case fb::DType::F64:
    return body(double{});
  case fb::DType::F16:
    return body(Half{});
  case fb::DType::BF16:
    return body(BFloat16{});
  case fb::DType::I64:
    return body(int64_t{});
  case fb::DType::I32:
    return body(int32_t{});
  case fb::DType::U8:
    return body(uint8_t{});
  case fb::DType::I1:
    return body(Bool{});
  }
  return body(float{});
}

} // namespace dlc::rt::cpu

#endif // DLC_RUNTIME_CPU_DTYPE_H
