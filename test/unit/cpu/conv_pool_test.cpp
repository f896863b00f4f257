#include "test_program.h"

namespace dlc::rt::test {
namespace {

// Sums of up to 72 products of magnitude <= 1 (oneDNN may use Winograd-free
// direct kernels but orders the sum its own way): a few f32 ulps of the terms.
const Tolerances kConv{{1e-5, 1e-5}, {1e-12, 1e-13}};
// Max is exact; averages divide a sum of at most 9 terms.
const Tolerances kPool{{1e-6, 1e-7}, {1e-14, 1e-15}};

fb::PoolKind poolKind(const std::string &kind) {
  return kind == "max"   ? fb::PoolKind::Max
         : kind == "avg" ? fb::PoolKind::Average
                         : fb::PoolKind::AverageIncludePad;
}

TEST(Conv2D, MatchesNumpy) {
  for (const ReferenceCase &c : referenceCases("conv2d")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    auto &b = p.builder();
    std::vector<int64_t> stride = c.attrs["stride"], padding = c.attrs["padding"],
                         dilation = c.attrs["dilation"];
    p.addCommand(
        fb::Op::Conv2D,
        fb::CreateConv2DDirect(b, p.buffer("input"), p.buffer("filter"), p.buffer("output"),
                               p.buffer("bias"), &stride, &padding, &dilation, c.attrs["groups"],
                               c.attrs["relu"] ? fb::Activation::Relu : fb::Activation::None)
            .Union());
    ASSERT_OK(p.prepare());
    ASSERT_OK(p.run());
    p.expectMatches(c, kConv);
  }
}

TEST(Pool2D, MatchesNumpy) {
  for (const ReferenceCase &c : referenceCases("pool2d")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    std::vector<int64_t> kernel = c.attrs["kernel"], stride = c.attrs["stride"],
                         padding = c.attrs["padding"];
    p.addCommand(fb::Op::Pool2D,
                 fb::CreatePool2DDirect(p.builder(), poolKind(c.attrs["kind"]), p.buffer("input"),
                                        p.buffer("output"), &kernel, &stride, &padding)
                     .Union());
    ASSERT_OK(p.prepare());
    ASSERT_OK(p.run());
    p.expectMatches(c, kPool);
  }
}

} // namespace
} // namespace dlc::rt::test
