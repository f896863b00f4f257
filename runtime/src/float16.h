// 16-bit floats (IEEE binary16 and bfloat16) as bit patterns, converted
// to and from f32 with round-to-nearest-even.
#ifndef DLC_RUNTIME_SRC_FLOAT16_H
#define DLC_RUNTIME_SRC_FLOAT16_H

#include <cmath>
#include <cstdint>
#include <cstring>

namespace dlc::rt {

inline uint32_t floatBits(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

inline float bitsFloat(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

/// f32 -> bf16, round to nearest even; NaN stays NaN.
inline uint16_t toBf16(float value) {
  const uint32_t bits = floatBits(value);
  if (std::isnan(value))
    return static_cast<uint16_t>((bits >> 16) | 0x40);
  return static_cast<uint16_t>((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
}

inline float fromBf16(uint16_t bits) { return bitsFloat(uint32_t(bits) << 16); }

/// f32 -> IEEE binary16, round to nearest even, overflow to infinity.
inline uint16_t toF16(float value) {
  const uint32_t bits = floatBits(value);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  const uint32_t magnitude = bits & 0x7FFFFFFF;
  if (magnitude > 0x7F800000) // NaN
    return sign | 0x7E00;
  if (magnitude >= 0x477FF000) // rounds to >= 65520: infinity
    return sign | 0x7C00;
  if (magnitude < 0x38800000) { // below 2^-14: a subnormal half (or zero)
    if (magnitude < 0x33000000) // below 2^-25: rounds to zero
      return sign;
    const uint32_t exponent = magnitude >> 23;
    const uint32_t mantissa = (magnitude & 0x7FFFFF) | 0x800000;
    const uint32_t shift = 126 - exponent; // 14..24: value = mantissa * 2^(exponent - 150)
    const uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1);
    const uint32_t midpoint = 1u << (shift - 1);
    const uint32_t rounded = half + (rest > midpoint || (rest == midpoint && (half & 1)));
    return sign | static_cast<uint16_t>(rounded);
  }
  // Normal: rebias the exponent (127 -> 15) and round the 13 dropped bits.
  const uint32_t rebased = magnitude - (uint32_t(112) << 23);
  const uint32_t rounded = rebased + 0xFFF + ((rebased >> 13) & 1);
  return sign | static_cast<uint16_t>(rounded >> 13);
}

inline float fromF16(uint16_t bits) {
  const uint32_t sign = uint32_t(bits & 0x8000) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1F;
  const uint32_t mantissa = bits & 0x3FF;
  if (exponent == 0) // zero or subnormal: mantissa * 2^-24, exact in f32
    return std::copysign(std::ldexp(static_cast<float>(mantissa), -24), sign ? -1.0f : 1.0f);
  if (exponent == 31)
    return bitsFloat(sign | 0x7F800000 | (mantissa << 13));
  return bitsFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_FLOAT16_H
