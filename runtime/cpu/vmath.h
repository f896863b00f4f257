// Transcendental functions in a form the compiler vectorizes: exp, tanh
// and erf of a float, written with additions, multiplications, one
// division, comparisons and integer bit operations only, no branches and no
// calls, so that a loop over them becomes SIMD code in each ISA copy of a
// loop (Vectorized in cpu_commands.h; libm's expf/erff/tanhf are scalar
// calls a loop cannot vectorize). Each gives the same bits in every copy
// provided the file including it is compiled with -ffp-contract=off, as the
// runtime's CPU backend and its tests are (otherwise the AVX2 and AVX-512
// copies would fuse multiply-adds that the baseline does not); and they
// vectorize below AVX-512 only with -fno-trapping-math (GCC speculates both
// sides of a select only then).
//
// Accuracy over every 97th float and densely where the pieces meet, against
// double-precision libm (test/unit/cpu/vmath_test.cpp): exp within 1 ulp,
// tanh within 1.5 ulp, erf within 3 ulp (measured 0.97, 1.31 and 2.55);
// fastTanh, the convolutions' epilogue, within 7 ulp (6.08); GELU and its
// derivative through normalCdf (one rational piece and one exponential,
// shared between the CDF's tail and the density), within 6 ulp plus the
// exponent's rounding.
//
// Math<double> forwards to libm: f64 kernels are the reference path
// (finite-difference checks) and keep libm's correctly rounded results.
#ifndef DLC_RUNTIME_CPU_VMATH_H
#define DLC_RUNTIME_CPU_VMATH_H

#include "float16.h" // floatBits, bitsFloat

#include <cmath>
#include <cstdint>
#include <limits>

// Inlined wherever used, so that a loop calling them is compiled for the
// ISA of the function it is in (see Vectorized in cpu_commands.h).
#if defined(__GNUC__) || defined(__clang__)
#define DLC_VMATH_INLINE inline __attribute__((always_inline))
#else
#define DLC_VMATH_INLINE inline
#endif

namespace dlc::rt::cpu {

namespace vmath {

/// e^c as 2^n e^r: x = n ln2 + r with |r| <= ln2 / 2 (Cody-Waite, ln2 in
/// two parts); returns e^r by Cephes' degree-7 polynomial and sets n.
DLC_VMATH_INLINE float expReduced(float c, int32_t &n) {
  // n = round(c / ln2): adding 1.5 * 2^23 rounds to an integer in the low
  // mantissa bits.
  const float shifter = 12582912.0f;
  float t = c * 1.44269504088896341f + shifter;
  n = static_cast<int32_t>(floatBits(t) - floatBits(shifter));
  float fn = t - shifter;
  float r = c - fn * 0.693359375f;
  r = r - fn * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  return p * (r * r) + r + 1.0f;
}

/// e^x: expReduced's e^r times 2^n built from exponent bits in two halves
/// (so that results near the overflow and underflow ends, where 2^n alone
/// is out of range, come out right).
DLC_VMATH_INLINE float exp(float x) {
  const float hi = 88.72284f, lo = -103.9721f;
  float c = x > hi ? hi : x;
  c = c < lo ? lo : c;
  int32_t n;
  const float p = expReduced(c, n);
  int32_t m = n >> 1;
  float scale1 = bitsFloat(uint32_t(m + 127) << 23);
  float scale2 = bitsFloat(uint32_t(n - m + 127) << 23);
  float y = p * scale1 * scale2;
  y = x > hi ? std::numeric_limits<float>::infinity() : y;
  return x < lo ? 0.0f : y; // NaN passes through the polynomial
}

/// e^x for x <= 0 as exp() computes it, with one scale 2^n (n >= -126) and
/// no overflow end: 0 below -87.33654 (where e^x is below the smallest
/// normal float, 2^-126) instead of exp()'s subnormals. Seven operations
/// fewer, for normalCdf's e^{-z^2}.
DLC_VMATH_INLINE float expNonPositive(float x) {
  const float lo = -87.33654f;
  int32_t n;
  const float p = expReduced(x < lo ? lo : x, n);
  float y = p * bitsFloat(uint32_t(n + 127) << 23);
  return x < lo ? 0.0f : y; // NaN passes through the polynomial
}

/// tanh: Cephes' odd polynomial below 0.625, 1 - 2 / (e^{2|x|} + 1) above,
/// the sign put back.
DLC_VMATH_INLINE float tanh(float x) {
  float a = x < 0 ? -x : x;
  float s = x * x;
  float p = -5.70498872745e-3f;
  p = p * s + 2.06390887954e-2f;
  p = p * s - 5.37397155531e-2f;
  p = p * s + 1.33314422036e-1f;
  p = p * s - 3.33332819422e-1f;
  float small = x + x * s * p;
  small = a == 0 ? x : small; // -0 stays -0
  float large = 1.0f - 2.0f / (exp(2.0f * a) + 1.0f);
  large = x < 0 ? -large : large;
  return a < 0.625f ? small : large;
}

/// tanh as a rational function, x P(x^2) / Q(x^2) with P and Q of degree 4
/// (a fit of ours: relative error 2.1e-8 on [0, 9.02], iteratively
/// reweighted least squares), on x clamped to +-9.02, from where tanh rounds
/// to +-1 (given exactly). One division and 20 other operations, 2.5x
/// fewer than tanh() above, for the convolutions' tanh epilogue (LeNet's
/// first tanh took as long as its convolution); the price is accuracy near
/// +-1, where the roundings of P and Q are several ulp of 1 - tanh: within
/// 7 ulp (measured 6.1), against tanh()'s 1.5. An activation fused into a
/// library call has the library's own precision anyway (oneDNN's and
/// cuDNN's tanh are approximations of theirs).
DLC_VMATH_INLINE float fastTanh(float x) {
  const float limit = 9.02f;
  float c = x > limit ? limit : x;
  c = c < -limit ? -limit : c;
  const float s = c * c;
  float p = 1.331949839e-08f;
  p = p * s + 2.058382779e-05f;
  p = p * s + 3.494057106e-03f;
  p = p * s + 1.337973773e-01f;
  p = p * s + 1.0f;
  float q = 7.762205882e-07f;
  q = q * s + 3.283128608e-04f;
  q = q * s + 2.587115951e-02f;
  q = q * s + 4.671305120e-01f;
  q = q * s + 1.0f;
  float r = c * p / q; // -0 stays -0, NaN passes
  r = r > 1.0f ? 1.0f : r;
  r = r < -1.0f ? -1.0f : r;
  r = x >= limit ? 1.0f : r;
  return x <= -limit ? -1.0f : r;
}

/// erf: x P(x^2) below 1 (degree 6); 1 - e^{-x^2} Q(|x| - 2.5) on [1, 4)
/// (degree 10, least squares on Chebyshev nodes); 1 from 4 on (erfc(4) is
/// below half an ulp of 1); the sign put back.
DLC_VMATH_INLINE float erf(float x) {
  float a = x < 0 ? -x : x;
  float s = x * x;
  float p = 7.89749062122043e-05f;
  p = p * s - 8.024124840229148e-04f;
  p = p * s + 5.1900255329172616e-03f;
  p = p * s - 2.685479212839869e-02f;
  p = p * s + 1.1283611964675302e-01f;
  p = p * s - 3.7612628788065766e-01f;
  p = p * s + 1.1283791664921254f;
  float small = x * p;
  float u = (a < 4.0f ? a : 4.0f) - 2.5f;
  float q = 1.4981524127440861e-06f;
  q = q * u - 6.334265407437063e-06f;
  q = q * u + 1.5317101438935213e-05f;
  q = q * u - 5.38450631904983e-05f;
  q = q * u + 2.1110841182956548e-04f;
  q = q * u - 7.385669089957643e-04f;
  q = q * u + 2.467445462128805e-03f;
  q = q * u - 7.999608937145167e-03f;
  q = q * u + 2.4937805261024116e-02f;
  q = q * u - 7.434755789375332e-02f;
  q = q * u + 2.108063746387575e-01f;
  float large = 1.0f - exp(-s) * q;
  large = a >= 4.0f ? 1.0f : large;
  large = x < 0 ? -large : large;
  return a < 1.0f ? small : large; // NaN: small, which is NaN
}

/// erfc(a) e^{a^2} for a in [0, 4] as P(a) / Q(a) of degrees 3 and 4 (a fit
/// of ours with P(0) = 1: relative error 6.3e-8; all coefficients positive,
/// so that Horner's rule does not cancel: within 4.7 ulp in float).
DLC_VMATH_INLINE float erfcScaledRational(float a) {
  float p = 7.5724760809e-02f;
  p = p * a + 4.1343636738e-01f;
  p = p * a + 9.4038395354e-01f;
  p = p * a + 1.0f;
  float q = 1.3430846056e-01f;
  q = q * a + 7.3113194289e-01f;
  q = q * a + 1.7478356678e+00f;
  q = q * a + 2.0687597895e+00f;
  q = q * a + 1.0f;
  return p / q;
}

/// Phi(x), the standard normal CDF, with e^{-x^2 / 2} (the normal density
/// times sqrt(2 pi)) stored in `gauss` for the caller. With z = x / sqrt(2)
/// and a = |z|: erfc(a) / 2 = e^{-z^2} erfcScaledRational(a) / 2 is Phi(-|x|),
/// subtracted from 1 for positive x: one piece and one exponential
/// throughout. The negative tail is not 1 + erf(z), which cancels (1 - 1e-6
/// keeps one digit of 1e-6), so x Phi(x) keeps its relative accuracy there;
/// 0 (or 1) from a = 4 on.
DLC_VMATH_INLINE float normalCdf(float x, float &gauss) {
  const float z = x * 0.707106781186547524f;
  const float a = z < 0 ? -z : z;
  gauss = expNonPositive(-(z * z));
  float tail = 0.5f * gauss * erfcScaledRational(a < 4.0f ? a : 4.0f); // Phi(-|x|)
  tail = a >= 4.0f ? 0.0f : tail;
  return x < 0 ? tail : 1.0f - tail; // NaN: 1 - NaN
}

/// GELU, x Phi(x).
DLC_VMATH_INLINE float gelu(float x) {
  float gauss;
  return x * normalCdf(x, gauss);
}

/// GELU's derivative, Phi(x) + x phi(x), phi(x) = e^{-x^2 / 2} / sqrt(2 pi):
/// the exponential is the one Phi's tail uses.
DLC_VMATH_INLINE float geluSlope(float x) {
  float gauss;
  const float cdf = normalCdf(x, gauss);
  return cdf + x * (gauss * 0.398942280401432678f);
}

} // namespace vmath

/// Lanes of the partial results in lineMax and expSum: one AVX-512 vector.
inline constexpr int kLanes = 16;

/// lanes[k] = f(lanes[k], lanes[k + Width]) for k < Width, then the same
/// for half the width, down to lanes[0]: a tree over 2 Width lanes whose
/// widths are constants, so that each step is one vector operation and the
/// lanes stay in registers (a loop over a variable width left them in
/// memory, a scalar operation per lane).
template <int Width, typename Lane, typename F> DLC_VMATH_INLINE void foldLanes(Lane *lanes, F f) {
  for (int k = 0; k < Width; ++k)
    lanes[k] = f(lanes[k], lanes[k + Width]);
  if constexpr (Width > 1)
    foldLanes<Width / 2>(lanes, f);
}

/// The largest of x[0..n), n > 0 (NaN if any is), over kLanes partial maxima
/// so that the loop vectorizes: each lane a plain select (a vector max) and
/// a flag of NaNs seen beside it (one select that also propagates NaN does
/// not vectorize: GCC left it a scalar compare and branch per element).
DLC_VMATH_INLINE float lineMax(const float *x, int64_t n) {
  if (n < kLanes) {
    float max = x[0];
    int32_t nan = max != max;
    for (int64_t i = 1; i < n; ++i) {
      max = x[i] > max ? x[i] : max;
      nan |= x[i] != x[i];
    }
    return nan ? std::numeric_limits<float>::quiet_NaN() : max;
  }
  float lanes[kLanes];
  int32_t nan[kLanes] = {};
  for (int k = 0; k < kLanes; ++k)
    lanes[k] = x[k];
  int64_t i = kLanes;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k) {
      const float v = x[i + k];
      lanes[k] = v > lanes[k] ? v : lanes[k];
      nan[k] |= v != v;
    }
  for (; i < n; ++i) {
    const float v = x[i];
    lanes[0] = v > lanes[0] ? v : lanes[0];
    nan[0] |= v != v;
  }
  int32_t anyNan = 0;
  for (int k = 0; k < kLanes; ++k)
    anyNan |= nan[k] | (lanes[k] != lanes[k]);
  foldLanes<kLanes / 2>(lanes, [](float a, float b) { return b > a ? b : a; }); // a tree
  return anyNan ? std::numeric_limits<float>::quiet_NaN() : lanes[0];
}

/// kLanes partial sums added as a tree (in place), in a fixed order.
template <typename Lane> DLC_VMATH_INLINE double laneTotal(Lane (&lanes)[kLanes]) {
  foldLanes<kLanes / 2>(lanes, [](Lane a, Lane b) { return a + b; });
  return lanes[0];
}

/// The sum of term(i) over i in [0, n): kLanes partial sums of type Lane
/// (float, or double where the sum must keep more), added as a tree and then
/// in double with the rest. The order is fixed: the same result in every
/// ISA copy.
template <typename Lane = float, typename F> DLC_VMATH_INLINE double laneSumOf(int64_t n, F term) {
  Lane lanes[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int k = 0; k < kLanes; ++k)
      lanes[k] += term(i + k);
  double sum = laneTotal(lanes);
  for (; i < n; ++i)
    sum += term(i);
  return sum;
}

/// The sum of f(x[i]) over x[0..n), as laneSumOf.
template <typename Lane = float, typename T, typename F>
DLC_VMATH_INLINE double laneSum(const T *x, int64_t n, F f) {
  return laneSumOf<Lane>(n, [x, f](int64_t i) { return f(x[i]); });
}

/// The sum of x[0..n).
DLC_VMATH_INLINE double lineSum(const float *x, int64_t n) {
  return laneSum(x, n, [](float v) { return v; });
}

/// The sum of e^(x[i] - shift) over x[0..n).
DLC_VMATH_INLINE double expSum(const float *x, int64_t n, float shift) {
  return laneSum(x, n, [shift](float v) { return vmath::exp(v - shift); });
}

/// The elementwise functions of compute type C: vectorizable for float,
/// libm for double.
template <typename C> struct Math {
  static C exp(C x) { return std::exp(x); }
  static C tanh(C x) { return std::tanh(x); }
  static C erf(C x) { return std::erf(x); }
  static C gelu(C x) { return C(0.5) * x * std::erfc(-x * C(M_SQRT1_2)); }
  static C geluSlope(C x) {
    return C(0.5) * std::erfc(-x * C(M_SQRT1_2)) +
           x * std::exp(C(-0.5) * x * x) * C(0.398942280401432678);
  }
};

template <> struct Math<float> {
  static float exp(float x) { return vmath::exp(x); }
  static float tanh(float x) { return vmath::tanh(x); }
  static float erf(float x) { return vmath::erf(x); }
  static float gelu(float x) { return vmath::gelu(x); }
  static float geluSlope(float x) { return vmath::geluSlope(x); }
};

} // namespace dlc::rt::cpu

#endif // DLC_RUNTIME_CPU_VMATH_H
