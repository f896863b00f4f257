#include "test_program.h"

namespace dlc::rt::test {
namespace {

// f32: oneDNN blocks the K-sum in its own order; with K <= 300 terms of
// magnitude <= 1 the rounding stays within a few f32 ulps of the float64
// reference, relative to the terms, hence the atol. f64: the same in f64.
const Tolerances kMatmul{{1e-5, 1e-5}, {1e-12, 1e-13}};

Status runMatmul(const ReferenceCase &c, TestProgram &p) {
  p.addBuffers(c);
  p.addCommand(fb::Op::Matmul,
               fb::CreateMatmul(p.builder(), p.buffer("a"), p.buffer("b"), p.buffer("c"),
                                p.buffer("bias"), c.attrs["transpose_a"], c.attrs["transpose_b"],
                                c.attrs["relu"] ? fb::Activation::Relu : fb::Activation::None)
                   .Union());
  DLC_RETURN_IF_ERROR(p.prepare());
  return p.run();
}

TEST(Matmul, MatchesNumpy) {
  for (const ReferenceCase &c : referenceCases("matmul")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    ASSERT_OK(runMatmul(c, p));
    p.expectMatches(c, kMatmul);
  }
}

TEST(Matmul, OneThreadMatchesNumpy) {
  for (const ReferenceCase &c : referenceCases("matmul")) {
    SCOPED_TRACE(c.name);
    TestProgram p(1);
    ASSERT_OK(runMatmul(c, p));
    p.expectMatches(c, kMatmul);
  }
}

TEST(Matmul, RunsAgainWithTheSameResult) {
  const ReferenceCase &c = referenceCases("matmul").front();
  TestProgram p;
  ASSERT_OK(runMatmul(c, p));
  ASSERT_OK(p.run());
  p.expectMatches(c, kMatmul);
}

} // namespace
} // namespace dlc::rt::test
