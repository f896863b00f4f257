#include "test_program.h"

namespace dlc::rt::test {
namespace {

// Per-row log-sum-exp and the batch sum run in double; one rounding at the end.
const Tolerances kLoss{{1e-6, 1e-7}, {1e-13, 1e-14}};

TEST(SoftmaxCrossEntropy, MatchesNumpy) {
  for (const ReferenceCase &c : referenceCases("softmax_cross_entropy")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    p.addCommand(fb::Op::SoftmaxCrossEntropy,
                 fb::CreateSoftmaxCrossEntropy(p.builder(), p.buffer("logits"), p.buffer("labels"),
                                               p.buffer("output"))
                     .Union());
    ASSERT_OK(p.prepare());
    ASSERT_OK(p.run());
    p.expectMatches(c, kLoss);
  }
}

TEST(MseLoss, MatchesNumpyForEachReduction) {
  for (const ReferenceCase &c : referenceCases("mse_loss")) {
    SCOPED_TRACE(c.name);
    const std::string &reduction = c.attrs["reduction"];
    TestProgram p;
    p.addBuffers(c);
    p.addCommand(fb::Op::MseLoss,
                 fb::CreateMseLoss(p.builder(), p.buffer("prediction"), p.buffer("target"),
                                   p.buffer("output"),
                                   reduction == "mean"  ? fb::LossReduction::Mean
                                   : reduction == "sum" ? fb::LossReduction::Sum
                                                        : fb::LossReduction::BatchMean)
                     .Union());
    ASSERT_OK(p.prepare());
    ASSERT_OK(p.run());
    p.expectMatches(c, kLoss);
  }
}

TEST(Accuracy, CountsFirstMaximumMatches) {
  for (const ReferenceCase &c : referenceCases("accuracy")) {
    SCOPED_TRACE(c.name);
    TestProgram p;
    p.addBuffers(c);
    p.addCommand(fb::Op::Accuracy, fb::CreateAccuracy(p.builder(), p.buffer("logits"),
                                                      p.buffer("labels"), p.buffer("output"))
                                       .Union());
    ASSERT_OK(p.prepare());
    ASSERT_OK(p.run());
    p.expectMatches(c, {}); // a count over the batch: exact
  }
}

} // namespace
} // namespace dlc::rt::test
