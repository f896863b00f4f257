#include "test_program.h"

namespace dlc::rt::test {
namespace {

// Data movement is exact for every dtype.
const Tolerances kExact{{}, {}, {}, {}};

void expectRunsAndMatches(TestProgram &p, const ReferenceCase &c) {
  ASSERT_OK(p.prepare());
  ASSERT_OK(p.run());
  p.expectMatches(c, kExact);
}

TEST(Transpose, MatchesNumpy) {
  for (const ReferenceCase &c : referenceCases("transpose")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    std::vector<int64_t> perm = c.attrs["perm"];
    p.addCommand(fb::Op::Transpose, fb::CreateTransposeDirect(p.builder(), p.buffer("input"),
                                                              p.buffer("output"), &perm)
                                        .Union());
    expectRunsAndMatches(p, c);
  }
}

TEST(Concat, MatchesNumpy) {
  for (const ReferenceCase &c : referenceCases("concat")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    std::vector<uint32_t> inputs;
    for (int i = 0; i < c.attrs["count"]; ++i)
      inputs.push_back(p.buffer("input" + std::to_string(i)));
    p.addCommand(
        fb::Op::Concat,
        fb::CreateConcatDirect(p.builder(), &inputs, p.buffer("output"), c.attrs["axis"]).Union());
    expectRunsAndMatches(p, c);
  }
}

TEST(Slice, MatchesNumpyIncludingNegativeStrides) {
  for (const ReferenceCase &c : referenceCases("slice")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    std::vector<int64_t> starts = c.attrs["starts"], strides = c.attrs["strides"];
    p.addCommand(fb::Op::Slice, fb::CreateSliceDirect(p.builder(), p.buffer("input"),
                                                      p.buffer("output"), &starts, &strides)
                                    .Union());
    expectRunsAndMatches(p, c);
  }
}

TEST(Pad, MatchesNumpyWithTheValueInTheOutputDtype) {
  for (const ReferenceCase &c : referenceCases("pad")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    std::vector<int64_t> low = c.attrs["low"];
    p.addCommand(fb::Op::Pad, fb::CreatePadDirect(p.builder(), p.buffer("input"),
                                                  p.buffer("output"), &low, c.attrs["value"])
                                  .Union());
    expectRunsAndMatches(p, c);
  }
}

TEST(Copy, CopiesBytes) {
  for (const ReferenceCase &c : referenceCases("copy")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    p.addCommand(fb::Op::Copy,
                 fb::CreateCopy(p.builder(), p.buffer("source"), p.buffer("dest")).Union());
    expectRunsAndMatches(p, c);
  }
}

} // namespace
} // namespace dlc::rt::test
