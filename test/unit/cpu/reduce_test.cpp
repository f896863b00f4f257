#include "test_program.h"

namespace dlc::rt::test {
namespace {

// Sums accumulate in double and round once; the reference (NumPy's pairwise
// sum in float64) differs from that by far less than an f32 ulp. Max and
// integers are exact.
const Tolerances kReduce{{1e-6, 1e-7}, {1e-13, 1e-14}};

fb::ReduceKind reduceKind(const std::string &kind) {
  return kind == "sum"    ? fb::ReduceKind::Sum
         : kind == "mean" ? fb::ReduceKind::Mean
                          : fb::ReduceKind::Max;
}

TEST(Reduce, MatchesNumpy) {
  for (const ReferenceCase &c : referenceCases("reduce")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    std::vector<int64_t> axes = c.attrs["axes"];
    p.addCommand(fb::Op::Reduce,
                 fb::CreateReduceDirect(p.builder(), reduceKind(c.attrs["kind"]), p.buffer("input"),
                                        p.buffer("output"), &axes)
                     .Union());
    ASSERT_OK(p.prepare());
    ASSERT_OK(p.run());
    p.expectMatches(c, kReduce);
  }
}

TEST(Argmax, MatchesNumpyFirstMaximumWins) {
  for (const ReferenceCase &c : referenceCases("argmax")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    p.addCommand(fb::Op::Argmax, fb::CreateArgmax(p.builder(), p.buffer("input"),
                                                  p.buffer("output"), c.attrs["axis"])
                                     .Union());
    ASSERT_OK(p.prepare());
    ASSERT_OK(p.run());
    p.expectMatches(c, {});
  }
}

} // namespace
} // namespace dlc::rt::test
