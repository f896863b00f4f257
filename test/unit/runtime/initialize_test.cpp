// Initializers: the Philox generator against its published test vectors,
// values pinned against an independent (Python) implementation of the
// documented algorithm, statistics, bounds, dtypes and 16-bit rounding.
#include "device.h"
#include "float16.h"
#include "random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace dlc::rt {
namespace {

// Random123's kat_vectors for philox4x32 with 10 rounds.
TEST(Philox, MatchesKnownAnswers) {
  struct Case {
    PhiloxBlock counter;
    uint64_t key;
    PhiloxBlock expected;
  };
  const Case cases[] = {
      {{{0, 0, 0, 0}}, 0, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
       0xffffffffffffffffull,
       {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
       0x299f31d0a4093822ull,
       {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
  };
  for (const Case &c : cases) {
    const PhiloxBlock out = philox4x32_10(c.counter, c.key);
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(out.x[i], c.expected.x[i]);
  }
}

/// An initializer table for tests, built in its own FlatBufferBuilder.
class InitializerFixture {
public:
  const fb::Initializer &make(fb::InitKind kind, uint64_t seed, double a, double b,
                              std::vector<uint8_t> data = {}) {
    builder_.Clear();
    const auto bytes = kind == fb::InitKind::Data ? builder_.CreateVector(data) : 0;
    fb::InitializerBuilder init(builder_);
    init.add_kind(kind);
    init.add_seed(seed);
    init.add_value(a);
    init.add_low(a);
    init.add_high(b);
    init.add_mean(a);
    init.add_stddev(b);
    if (kind == fb::InitKind::Data)
      init.add_data(bytes);
    builder_.Finish(init.Finish());
    return *flatbuffers::GetRoot<fb::Initializer>(builder_.GetBufferPointer());
  }

private:
  flatbuffers::FlatBufferBuilder builder_;
};

template <typename T> Tensor tensorOver(std::vector<T> &storage, fb::DType dtype) {
  Tensor t;
  t.data = storage.data();
  t.dtype = dtype;
  t.shape.rank = 1;
  t.shape.dims[0] = static_cast<int64_t>(storage.size());
  t.name = "t";
  return t;
}

TEST(Initialize, ValuesMatchTheDocumentedAlgorithm) {
  // From an independent Python implementation: seed 7, elements 0..3.
  InitializerFixture f;
  std::vector<double> uniform(4);
  ASSERT_TRUE(
      initialize(f.make(fb::InitKind::Uniform, 7, -1, 1), tensorOver(uniform, fb::DType::F64), 0)
          .ok());
  EXPECT_EQ(uniform, (std::vector<double>{0.5003044442062252, 0.5905680746803805,
                                          -0.9830937739433372, -0.49974305211091474}));
  std::vector<float> uniform32(4);
  ASSERT_TRUE(
      initialize(f.make(fb::InitKind::Uniform, 7, -1, 1), tensorOver(uniform32, fb::DType::F32), 0)
          .ok());
  EXPECT_EQ(uniform32, (std::vector<float>{0.5003044605255127f, 0.5905680656433105f,
                                           -0.983093798160553f, -0.4997430443763733f}));
  std::vector<double> normal(4);
  ASSERT_TRUE(
      initialize(f.make(fb::InitKind::Normal, 7, 0, 1), tensorOver(normal, fb::DType::F64), 0)
          .ok());
  EXPECT_EQ(normal, (std::vector<double>{1.4300277086839794, 1.7190003661702242,
                                         0.07571185225513297, 0.4872193549755614}));
  // mean 0.5, stddev 2 in f32; the seed offset adds to the key.
  std::vector<float> normal32(4);
  ASSERT_TRUE(
      initialize(f.make(fb::InitKind::Normal, 3, 0.5, 2), tensorOver(normal32, fb::DType::F32), 4)
          .ok());
  EXPECT_EQ(normal32, (std::vector<float>{3.360055446624756f, 3.9380006790161133f,
                                          0.6514236927032471f, 1.4744386672973633f}));
}

TEST(Initialize, ElementsDependOnlyOnTheirIndex) {
  InitializerFixture f;
  std::vector<float> small(10), large(1000);
  ASSERT_TRUE(
      initialize(f.make(fb::InitKind::Normal, 11, 0, 1), tensorOver(small, fb::DType::F32), 0)
          .ok());
  ASSERT_TRUE(
      initialize(f.make(fb::InitKind::Normal, 11, 0, 1), tensorOver(large, fb::DType::F32), 0)
          .ok());
  EXPECT_EQ(small, std::vector<float>(large.begin(), large.begin() + 10));
}

TEST(Initialize, UniformStatisticsAndBounds) {
  InitializerFixture f;
  std::vector<float> values(200000);
  ASSERT_TRUE(
      initialize(f.make(fb::InitKind::Uniform, 1, 2, 6), tensorOver(values, fb::DType::F32), 0)
          .ok());
  double sum = 0, squares = 0;
  for (float v : values) {
    ASSERT_GE(v, 2.0f);
    ASSERT_LT(v, 6.0f);
    sum += v;
    squares += double(v) * v;
  }
  const double mean = sum / values.size(), variance = squares / values.size() - mean * mean;
  EXPECT_NEAR(mean, 4.0, 0.01);
  EXPECT_NEAR(variance, 16.0 / 12.0, 0.01);
}

TEST(Initialize, NormalStatistics) {
  InitializerFixture f;
  std::vector<double> values(200000);
  ASSERT_TRUE(
      initialize(f.make(fb::InitKind::Normal, 5, -1, 0.5), tensorOver(values, fb::DType::F64), 0)
          .ok());
  double sum = 0, squares = 0, beyondTwoSigma = 0;
  for (double v : values) {
    sum += v;
    squares += v * v;
    beyondTwoSigma += std::abs(v + 1) > 1.0;
  }
  const double mean = sum / values.size(), variance = squares / values.size() - mean * mean;
  EXPECT_NEAR(mean, -1.0, 0.005);
  EXPECT_NEAR(std::sqrt(variance), 0.5, 0.005);
  EXPECT_NEAR(beyondTwoSigma / values.size(), 0.0455, 0.003);
}

TEST(Initialize, SixteenBitUniformStaysBelowHigh) {
  InitializerFixture f;
  // [0, 1): values near 1 would round up to 1.0 in f16 and bf16.
  for (fb::DType dtype : {fb::DType::F16, fb::DType::BF16}) {
    std::vector<uint16_t> values(100000);
    ASSERT_TRUE(
        initialize(f.make(fb::InitKind::Uniform, 9, 0, 1), tensorOver(values, dtype), 0).ok());
    float largest = 0;
    for (uint16_t bits : values) {
      const float v = dtype == fb::DType::F16 ? fromF16(bits) : fromBf16(bits);
      ASSERT_GE(v, 0.0f);
      ASSERT_LT(v, 1.0f);
      largest = std::max(largest, v);
    }
    EXPECT_GT(largest, 0.99f);
  }
}

TEST(Initialize, FillAndDataForEveryDtype) {
  InitializerFixture f;
  std::vector<int64_t> i64(3);
  ASSERT_TRUE(
      initialize(f.make(fb::InitKind::Fill, 0, -5, 0), tensorOver(i64, fb::DType::I64), 0).ok());
  EXPECT_EQ(i64, (std::vector<int64_t>{-5, -5, -5}));
  std::vector<int32_t> i32(2);
  ASSERT_TRUE(
      initialize(f.make(fb::InitKind::Fill, 0, 7, 0), tensorOver(i32, fb::DType::I32), 0).ok());
  EXPECT_EQ(i32, (std::vector<int32_t>{7, 7}));
  std::vector<uint8_t> u8(2);
  ASSERT_TRUE(
      initialize(f.make(fb::InitKind::Fill, 0, 255, 0), tensorOver(u8, fb::DType::U8), 0).ok());
  EXPECT_EQ(u8, (std::vector<uint8_t>{255, 255}));
  std::vector<uint16_t> f16(1), bf16(1);
  ASSERT_TRUE(
      initialize(f.make(fb::InitKind::Fill, 0, 1.0, 0), tensorOver(f16, fb::DType::F16), 0).ok());
  ASSERT_TRUE(
      initialize(f.make(fb::InitKind::Fill, 0, 1.0, 0), tensorOver(bf16, fb::DType::BF16), 0).ok());
  EXPECT_EQ(f16[0], 0x3C00);
  EXPECT_EQ(bf16[0], 0x3F80);
  std::vector<uint8_t> data(4);
  ASSERT_TRUE(initialize(f.make(fb::InitKind::Data, 0, 0, 0, {1, 2, 3, 4}),
                         tensorOver(data, fb::DType::U8), 0)
                  .ok());
  EXPECT_EQ(data, (std::vector<uint8_t>{1, 2, 3, 4}));
  Status status =
      initialize(f.make(fb::InitKind::Data, 0, 0, 0, {1, 2}), tensorOver(data, fb::DType::U8), 0);
  EXPECT_EQ(status.code(), DLC_INVALID_FILE);
  EXPECT_EQ(status.message(), "initializer of 't' has 2 bytes of data; the tensor has 4");
}

TEST(Float16, RoundsToNearestEven) {
  EXPECT_EQ(toF16(1.0f), 0x3C00);
  EXPECT_EQ(toF16(-2.0f), 0xC000);
  EXPECT_EQ(toF16(65504.0f), 0x7BFF);
  EXPECT_EQ(toF16(65519.0f), 0x7BFF);
  EXPECT_EQ(toF16(65520.0f), 0x7C00); // rounds to infinity
  EXPECT_EQ(toF16(0.1f), 0x2E66);
  EXPECT_EQ(toF16(std::ldexp(1.0f, -24)), 0x0001); // smallest subnormal
  EXPECT_EQ(toF16(std::ldexp(1.0f, -25)), 0x0000); // a tie: to even (zero)
  EXPECT_EQ(toF16(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(toF16(std::ldexp(1.0f, -14)), 0x0400);            // smallest normal
  EXPECT_EQ(toF16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);     // tie below: even
  EXPECT_EQ(toF16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3C02); // tie above: even
  EXPECT_EQ(toF16(INFINITY), 0x7C00);
  EXPECT_TRUE(std::isnan(fromF16(toF16(NAN))));
  for (uint32_t bits = 0; bits < 0x7C00; ++bits) // every finite half survives the round trip
    ASSERT_EQ(toF16(fromF16(static_cast<uint16_t>(bits))), bits);
}

TEST(Float16, BfloatRoundsToNearestEven) {
  EXPECT_EQ(toBf16(1.0f), 0x3F80);
  EXPECT_EQ(toBf16(bitsFloat(0x3F808000)), 0x3F80); // tie: even
  EXPECT_EQ(toBf16(bitsFloat(0x3F818000)), 0x3F82); // tie: even
  EXPECT_EQ(toBf16(bitsFloat(0x3F808001)), 0x3F81);
  EXPECT_EQ(fromBf16(0xC040), -3.0f);
  EXPECT_TRUE(std::isnan(fromBf16(toBf16(NAN))));
}

} // namespace
} // namespace dlc::rt
