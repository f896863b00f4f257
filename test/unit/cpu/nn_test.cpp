#include "test_program.h"

#include <cstring>

namespace dlc::rt::test {
namespace {

// exp and log of f32 values are within an ulp or two; the sum runs in double.
const Tolerances kSoftmax{{1e-5, 1e-7}, {1e-12, 1e-14}};
// Statistics in double; the f32 output is rounded once from x * a + b.
const Tolerances kNorm{{1e-5, 1e-6}, {1e-12, 1e-13}};
// The mask must match exactly; kept values are x * (1 / (1 - rate)) in the
// tensor's type, as in the reference.
const Tolerances kDropout{{0, 0}, {0, 0}};

TEST(Softmax, MatchesNumpyAndIsStable) {
  for (const ReferenceCase &c : referenceCases("softmax")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    p.addCommand(fb::Op::Softmax,
                 fb::CreateSoftmax(p.builder(), p.buffer("input"), p.buffer("output"),
                                   c.attrs["axis"], c.attrs["log"])
                     .Union());
    ASSERT_OK(p.prepare());
    ASSERT_OK(p.run());
    p.expectMatches(c, kSoftmax);
  }
}

TEST(BatchNorm, MatchesNumpyAndUpdatesRunningStatistics) {
  for (const ReferenceCase &c : referenceCases("batch_norm")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    p.addCommand(fb::Op::BatchNorm,
                 fb::CreateBatchNorm(p.builder(), p.buffer("input"), p.buffer("scale"),
                                     p.buffer("offset"), p.buffer("mean"), p.buffer("variance"),
                                     p.buffer("output"), c.attrs["epsilon"], c.attrs["momentum"],
                                     c.attrs["training"])
                     .Union());
    ASSERT_OK(p.prepare());
    ASSERT_OK(p.run());
    p.expectMatches(c, kNorm); // includes mean and variance after a training step
  }
}

TEST(LayerNorm, MatchesNumpy) {
  for (const ReferenceCase &c : referenceCases("layer_norm")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    p.addCommand(fb::Op::LayerNorm,
                 fb::CreateLayerNorm(p.builder(), p.buffer("input"), p.buffer("scale"),
                                     p.buffer("offset"), p.buffer("output"), c.attrs["axis"],
                                     c.attrs["epsilon"])
                     .Union());
    ASSERT_OK(p.prepare());
    ASSERT_OK(p.run());
    p.expectMatches(c, kNorm);
  }
}

TEST(Embedding, GathersRows) {
  for (const ReferenceCase &c : referenceCases("embedding")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    p.addCommand(fb::Op::Embedding, fb::CreateEmbedding(p.builder(), p.buffer("table"),
                                                        p.buffer("indices"), p.buffer("output"))
                                        .Union());
    ASSERT_OK(p.prepare());
    ASSERT_OK(p.run());
    p.expectMatches(c, {});
  }
}

/// A tensor<i64> buffer holding the step counter `step`.
uint32_t stepCounter(TestProgram &p, int64_t step) {
  Array counter;
  counter.dtype = fb::DType::I64;
  counter.bytes.resize(sizeof step);
  std::memcpy(counter.bytes.data(), &step, sizeof step);
  return p.addBuffer("step", counter);
}

TEST(Dropout, MaskMatchesTheDocumentedPhiloxScheme) {
  for (const ReferenceCase &c : referenceCases("dropout")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    uint32_t step = stepCounter(p, c.attrs["step"].get<int64_t>());
    p.addCommand(fb::Op::Dropout,
                 fb::CreateDropout(p.builder(), p.buffer("input"), p.buffer("output"),
                                   c.attrs["rate"], c.attrs["seed"], c.attrs["training"],
                                   static_cast<int32_t>(step))
                     .Union());
    ASSERT_OK(p.prepare());
    ASSERT_OK(p.run());
    p.expectMatches(c, kDropout);
  }
}

TEST(Dropout, MaskChangesWithTheStep) {
  const ReferenceCase &c = referenceCases("dropout").front();
  ASSERT_TRUE(c.attrs["training"]);
  TestProgram p;
  p.addBuffers(c);
  uint32_t step = stepCounter(p, c.attrs["step"].get<int64_t>() + 1);
  p.addCommand(fb::Op::Dropout,
               fb::CreateDropout(p.builder(), p.buffer("input"), p.buffer("output"),
                                 c.attrs["rate"], c.attrs["seed"], true, static_cast<int32_t>(step))
                   .Union());
  ASSERT_OK(p.prepare());
  ASSERT_OK(p.run());
  Array other = p.read(static_cast<uint32_t>(p.buffer("output")));
  const Array &expected = c.expected.at("output");
  int64_t differ = 0;
  for (int64_t i = 0; i < expected.elements(); ++i)
    differ += (other.at(i) == 0) != (expected.at(i) == 0);
  EXPECT_GT(differ, expected.elements() / 10);
}

} // namespace
} // namespace dlc::rt::test
