// The CPU backend's vectorizable exp, tanh, erf, GELU and GELU's slope (runtime/cpu/vmath.h)
// against double-precision libm, over every 97th float bit pattern (both
// signs, zeros, subnormals, infinities, NaNs) and densely where each
// function's pieces meet; and the vectorized loop (compiled for each ISA
// clone) against the same functions one value at a time, bit for bit.
#include "cpu_commands.h"
#include "vmath.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>
#include <vector>

namespace dlc::rt::cpu {
namespace {

float fromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// |got - want| in units of the last place of `want` rounded to float.
double ulpError(float got, double want) {
  if (std::isnan(want))
    return std::isnan(got) ? 0 : INFINITY;
  float rounded = static_cast<float>(want); // beyond FLT_MAX's rounding: inf
  if (std::isinf(rounded) || std::isinf(got))
    return got == rounded ? 0 : INFINITY;
  double ulp = double(std::nextafter(std::fabs(rounded), INFINITY)) - std::fabs(double(rounded));
  return std::fabs(double(got) - want) / ulp;
}

struct Worst {
  double ulps = 0;
  float at = 0;
  void see(float x, float got, double want) {
    double e = ulpError(got, want);
    if (!(e <= ulps)) {
      ulps = e;
      at = x;
    }
  }
};

std::vector<float> samples() {
  std::vector<float> xs;
  for (uint64_t bits = 0; bits <= 0xFFFFFFFFull; bits += 97)
    xs.push_back(fromBits(static_cast<uint32_t>(bits)));
  for (float special : {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 1.0f, -1.0f, 0.625f, 4.0f, 88.72284f,
                        -103.9721f, std::numeric_limits<float>::denorm_min()})
    xs.push_back(special);
  // Densely where the pieces meet and where the functions bend.
  for (float x = -10.0f; x <= 10.0f; x += 1.0f / 4096)
    xs.push_back(x);
  for (float x = 80.0f; x <= 90.0f; x += 1.0f / 1024)
    xs.push_back(x);
  for (float x = -110.0f; x <= -80.0f; x += 1.0f / 1024)
    xs.push_back(x);
  return xs;
}

template <typename F, typename R> Worst sweep(const char *name, F f, R reference) {
  Worst worst;
  for (float x : samples())
    worst.see(x, f(x), reference(double(x)));
  std::printf("%s: largest error %.3f ulp, at x = %.9g\n", name, worst.ulps, double(worst.at));
  return worst;
}

TEST(Vmath, ExpWithinTwoUlps) {
  Worst w = sweep(
      "exp", [](float x) { return vmath::exp(x); }, [](double x) { return std::exp(x); });
  EXPECT_LE(w.ulps, 2.0) << "at x = " << w.at;
}

// For x <= 0 where e^x is a normal float; 0 below (x < -87.33654).
TEST(Vmath, ExpNonPositiveWithinTwoUlps) {
  Worst w;
  for (float x : samples()) {
    if (!(x <= 0))
      continue;
    if (x < -87.33654f) {
      EXPECT_EQ(vmath::expNonPositive(x), 0.0f) << "at x = " << x;
      continue;
    }
    w.see(x, vmath::expNonPositive(x), std::exp(double(x)));
  }
  std::printf("expNonPositive: largest error %.3f ulp, at x = %.9g\n", w.ulps, double(w.at));
  EXPECT_LE(w.ulps, 2.0) << "at x = " << w.at;
  EXPECT_TRUE(std::isnan(vmath::expNonPositive(NAN)));
  EXPECT_EQ(vmath::expNonPositive(0.0f), 1.0f);
  EXPECT_EQ(vmath::expNonPositive(-INFINITY), 0.0f);
}

TEST(Vmath, TanhWithinTwoUlps) {
  Worst w = sweep(
      "tanh", [](float x) { return vmath::tanh(x); }, [](double x) { return std::tanh(x); });
  EXPECT_LE(w.ulps, 2.0) << "at x = " << w.at;
}

TEST(Vmath, FastTanhWithinSevenUlps) {
  Worst w = sweep(
      "fastTanh", [](float x) { return vmath::fastTanh(x); },
      [](double x) { return std::tanh(x); });
  EXPECT_LE(w.ulps, 7.0) << "at x = " << w.at;
}

TEST(Vmath, ErfWithinThreeUlps) {
  Worst w = sweep(
      "erf", [](float x) { return vmath::erf(x); }, [](double x) { return std::erf(x); });
  EXPECT_LE(w.ulps, 3.0) << "at x = " << w.at;
}

double normalCdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// What normalCdf, gelu and geluSlope may be off by at x, in units of the
// allowance: 6 ulp of `size` (erfcScaledRational is within 4.7 in float,
// then the exponential's ulp and the products'), plus e^{-s}'s share
// (s = x^2 / 2, whose rounding the exponential carries: up to s ulp,
// counted 3 s), plus, below |x| = sqrt 2 where Phi is near 1/2 (1 minus the
// tail for positive x) and so is its error, 2 ulp of 1/2 times `weight`.
double allowance(float x, double size, double weight) {
  const double d = x, s = 0.5 * d * d;
  const float f = static_cast<float>(size);
  const double ulp = double(std::nextafter(f, INFINITY)) - double(f);
  return (6 + 3 * s) * ulp + (std::fabs(d) < std::sqrt(2.0) ? 0x1p-23 * weight : 0);
}

struct WorstShare {
  double share = 0;
  float at = 0;
  void see(float x, double error, double allowed) {
    if (!(error <= share * allowed)) {
      share = error / allowed;
      at = x;
    }
  }
};

// Phi, x Phi(x) and Phi(x) + x phi(x) where Phi is not flushed to 0 (x
// above -4 sqrt 2, Phi(x) > 1.3e-8), the negative tail included (no 1 + erf
// cancelling there). The slope crosses 0 near x = -0.75, so its error is
// measured against the size of its two terms, |Phi(x)| + |x phi(x)|. Below
// -4 sqrt 2 Phi is 0.
TEST(Vmath, NormalCdfGeluAndSlopeWithinSixUlpsPlusTheExponentsRounding) {
  WorstShare cdf, gelu, slope;
  for (float x : samples()) {
    float gauss;
    if (x < -5.66f) {
      EXPECT_EQ(vmath::normalCdf(x, gauss), 0.0f) << "at x = " << x;
      continue;
    }
    if (!(x > -5.65f) || std::isinf(x))
      continue;
    const double d = x, phi = normalCdf(d), density = std::exp(-0.5 * d * d) / std::sqrt(2 * M_PI);
    cdf.see(x, std::fabs(double(vmath::normalCdf(x, gauss)) - phi), allowance(x, phi, 1));
    gelu.see(x, std::fabs(double(vmath::gelu(x)) - d * phi),
             allowance(x, std::fabs(d * phi), std::fabs(d)));
    slope.see(x, std::fabs(double(vmath::geluSlope(x)) - (phi + d * density)),
              allowance(x, phi + std::fabs(d * density), 1));
  }
  for (auto [name, worst] : {std::pair{"normalCdf", cdf}, {"gelu", gelu}, {"geluSlope", slope}}) {
    std::printf("%s: largest error %.3f of the allowance, at x = %.9g\n", name, worst.share,
                double(worst.at));
    EXPECT_LE(worst.share, 1.0) << name << " at x = " << worst.at;
  }
}

TEST(Vmath, SpecialValues) {
  float nanRow[40]; // 0..39 with a NaN at 33 (in the tail of a 40-wide row)
  for (int i = 0; i < 40; ++i)
    nanRow[i] = i == 33 ? NAN : float(i);
  EXPECT_EQ(vmath::exp(INFINITY), INFINITY);
  EXPECT_EQ(vmath::exp(-INFINITY), 0.0f);
  EXPECT_EQ(vmath::exp(0.0f), 1.0f);
  EXPECT_EQ(vmath::exp(89.0f), INFINITY);
  EXPECT_TRUE(std::isnan(vmath::exp(NAN)));
  EXPECT_EQ(vmath::tanh(INFINITY), 1.0f);
  EXPECT_EQ(vmath::tanh(-INFINITY), -1.0f);
  EXPECT_EQ(vmath::tanh(9.02f), 1.0f);
  EXPECT_EQ(vmath::fastTanh(INFINITY), 1.0f);
  EXPECT_EQ(vmath::fastTanh(-INFINITY), -1.0f);
  EXPECT_EQ(vmath::fastTanh(9.02f), 1.0f);
  EXPECT_EQ(vmath::fastTanh(-20.0f), -1.0f);
  EXPECT_EQ(vmath::fastTanh(1e-30f), 1e-30f);
  EXPECT_TRUE(std::isnan(vmath::fastTanh(NAN)));
  EXPECT_EQ(std::signbit(vmath::fastTanh(-0.0f)), true);
  EXPECT_TRUE(std::isnan(lineMax(nanRow, 40)));
  EXPECT_TRUE(std::isnan(lineMax(nanRow + 30, 5)));
  EXPECT_EQ(lineMax(nanRow, 30), 29.0f);
  EXPECT_EQ(vmath::tanh(-20.0f), -1.0f);
  EXPECT_EQ(vmath::tanh(1e-30f), 1e-30f);
  EXPECT_EQ(vmath::tanh(0.0f), 0.0f);
  EXPECT_TRUE(std::isnan(vmath::tanh(NAN)));
  EXPECT_EQ(vmath::erf(INFINITY), 1.0f);
  EXPECT_EQ(vmath::erf(-INFINITY), -1.0f);
  EXPECT_TRUE(std::isnan(vmath::erf(NAN)));
  EXPECT_EQ(std::signbit(vmath::erf(-0.0f)), true);
  EXPECT_EQ(std::signbit(vmath::tanh(-0.0f)), true);
  EXPECT_EQ(vmath::gelu(INFINITY), INFINITY);
  EXPECT_EQ(vmath::gelu(0.0f), 0.0f);
  EXPECT_EQ(std::signbit(vmath::gelu(-0.0f)), true);
  EXPECT_EQ(vmath::gelu(-20.0f), 0.0f);
  EXPECT_TRUE(std::isnan(vmath::gelu(NAN)));
  EXPECT_EQ(vmath::geluSlope(0.0f), 0.5f);
  EXPECT_EQ(vmath::geluSlope(20.0f), 1.0f);
  EXPECT_EQ(vmath::geluSlope(-20.0f), 0.0f);
  EXPECT_TRUE(std::isnan(vmath::geluSlope(NAN)));
}

// The loop as the kernels run it, in each ISA copy this CPU can run: row k
// of `out` (n values) is function k of x.
constexpr int kFunctions = 5;

float one(int k, float x) {
  switch (k) {
  case 0:
    return vmath::exp(x);
  case 1:
    return vmath::tanh(x);
  case 2:
    return vmath::erf(x);
  case 3:
    return vmath::gelu(x);
  default:
    return vmath::geluSlope(x);
  }
}

DLC_VECTOR_BODY void loop(const float *x, float *out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    out[i] = Math<float>::exp(x[i]);
    out[n + i] = Math<float>::tanh(x[i]);
    out[2 * n + i] = Math<float>::erf(x[i]);
    out[3 * n + i] = Math<float>::gelu(x[i]);
    out[4 * n + i] = Math<float>::geluSlope(x[i]);
  }
}

TEST(Vmath, EveryIsaCopyGivesTheSameBits) {
  std::vector<float> x;
  for (float v = -120.0f; v <= 120.0f; v += 0.0137f)
    x.push_back(v);
  x.push_back(NAN);
  const int64_t n = static_cast<int64_t>(x.size());
  using Loop = Vectorized<&loop>;
  std::vector<void (*)(const float *, float *, int64_t)> copies = {&Loop::baseline};
  std::vector<const char *> names = {"baseline"};
#if DLC_ISA_VARIANTS
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2")) {
    copies.push_back(&Loop::avx2);
    names.push_back("avx2");
  }
  if (__builtin_cpu_supports("avx512f")) {
    copies.push_back(&Loop::avx512);
    names.push_back("avx512");
  }
#endif
  std::printf("ISA copies run here: %zu\n", copies.size());
  for (size_t c = 0; c < copies.size(); ++c) {
    std::vector<float> out(kFunctions * n);
    copies[c](x.data(), out.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      volatile float v = x[i]; // one at a time, not vectorized
      for (int k = 0; k < kFunctions; ++k) {
        const float want = one(k, v), got = out[k * n + i];
        if (std::isnan(want) && std::isnan(got))
          continue; // which NaN (its sign) depends on operand order, not the ISA's sums
        ASSERT_EQ(std::memcmp(&want, &got, sizeof(float)), 0)
            << names[c] << ", function " << k << " at x = " << x[i] << ": " << want << " vs "
            << got;
      }
    }
  }
}

TEST(Vmath, VectorIsaIsOneThisCpuRuns) {
  VectorIsa isa = vectorIsa();
  std::printf("vector ISA: %s\n", vectorIsaName(isa));
#if DLC_ISA_VARIANTS
  __builtin_cpu_init();
  if (isa == VectorIsa::Avx512) {
    EXPECT_TRUE(__builtin_cpu_supports("avx512f"));
  }
  if (isa == VectorIsa::Avx2) {
    EXPECT_TRUE(__builtin_cpu_supports("avx2"));
  }
#endif
}

} // namespace
} // namespace dlc::rt::cpu
