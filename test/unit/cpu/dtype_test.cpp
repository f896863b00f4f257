// The conversions of the CPU backend (cpu/dtype.h) at the edges the NumPy
// cases cannot reach: double rounding, overflow, NaN, saturation.
#include "dtype.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>

namespace dlc::rt::cpu {
namespace {

TEST(Dtype, DoubleToHalfRoundsOnceNotTwice) {
  // Through float this lands on the tie 1 + 2^-11 and rounds to even, 1.0.
  EXPECT_EQ(fromCompute<Half>(1.0 + 0x1p-11 + 0x1p-40).bits, 0x3c01);
  EXPECT_EQ(fromCompute<Half>(1.0 + 0x1p-11).bits, 0x3c00); // a true tie: to even
  EXPECT_EQ(fromCompute<BFloat16>(1.0 + 0x1p-8 + 0x1p-40).bits, 0x3f81);
  EXPECT_EQ(fromCompute<BFloat16>(1.0 + 0x1p-8).bits, 0x3f80);
}

TEST(Dtype, HalfOverflowsToInfinityAndKeepsNaN) {
  EXPECT_EQ(fromCompute<Half>(1e300).bits, 0x7c00);
  EXPECT_EQ(fromCompute<Half>(-1e300).bits, 0xfc00);
  EXPECT_EQ(fromCompute<Half>(65519.0).bits, 0x7bff);
  EXPECT_EQ(fromCompute<Half>(65520.0f).bits, 0x7c00);
  EXPECT_TRUE(std::isnan(toCompute<float>(fromCompute<Half>(std::nan("")))));
  EXPECT_TRUE(std::isnan(toCompute<double>(fromCompute<BFloat16>(std::nanf("")))));
  EXPECT_EQ(fromCompute<BFloat16>(1e300).bits, 0x7f80);
}

TEST(Dtype, RoundToOddKeepsExactValuesAndMarksInexactOnes) {
  EXPECT_EQ(floatRoundedToOdd(1.5), 1.5f);
  EXPECT_EQ(floatRoundedToOdd(1e300), FLT_MAX); // odd, finite: rounds on to inf later
  EXPECT_EQ(floatRoundedToOdd(1e-50), std::nextafter(0.0f, 1.0f));
  EXPECT_EQ(floatRoundedToOdd(-1e-50), -std::nextafter(0.0f, 1.0f));
  EXPECT_EQ(floatBits(floatRoundedToOdd(1.0 + 0x1p-30)) & 1, 1u);
}

TEST(Dtype, FloatToIntegerTruncatesAndSaturates) {
  EXPECT_EQ(fromCompute<int32_t>(-3.9), -3);
  EXPECT_EQ(fromCompute<int32_t>(3.9f), 3);
  EXPECT_EQ(fromCompute<int32_t>(1e10), INT32_MAX);
  EXPECT_EQ(fromCompute<int32_t>(-1e10f), INT32_MIN);
  EXPECT_EQ(fromCompute<int32_t>(std::nan("")), 0);
  EXPECT_EQ(fromCompute<int64_t>(1e19), INT64_MAX);
  EXPECT_EQ(fromCompute<int64_t>(-9.3e18f), INT64_MIN);
  EXPECT_EQ(fromCompute<uint8_t>(-1.0f), 0);
  EXPECT_EQ(fromCompute<uint8_t>(255.9), 255);
  EXPECT_EQ(fromCompute<uint8_t>(-0.9), 0);
}

TEST(Dtype, AnythingToBoolIsNonZero) {
  EXPECT_EQ(fromCompute<Bool>(-0.0).value, 0);
  EXPECT_EQ(fromCompute<Bool>(0.25f).value, 1);
  EXPECT_EQ(fromCompute<Bool>(std::nan("")).value, 1);
  EXPECT_EQ(toCompute<float>(Bool{1}), 1.0f);
}

} // namespace
} // namespace dlc::rt::cpu
