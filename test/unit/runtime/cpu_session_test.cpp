// The whole path through the public API on the CPU backend: load the tiny
// model, create a session, set inputs, run (copies and a kernel launch), read
// outputs, and checkpoint.
#include "dlc/runtime.hpp"
#include "test_executable.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace dlc::test {
namespace {

class CpuSession : public ::testing::Test {
protected:
  CpuSession()
      : bytes_(build(tinySpec())),
        exe_(dlc::Executable::loadMemory(bytes_.data(), bytes_.size(), "tiny.fb")) {}

  std::vector<uint8_t> bytes_;
  dlc::Executable exe_;
};

TEST_F(CpuSession, RunsCopiesAndAKernel) {
  dlc::Session::Options options;
  options.numThreads = 2;
  dlc::Session session(exe_, options);
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  session.setInput("forward", "x", {2, 3}, x);
  session.run("forward");
  EXPECT_EQ(session.output<float>("forward", "y"), x);

  session.setInput("fused", "a", {2, 3}, x);
  session.run("fused");
  EXPECT_EQ(session.output<float>("fused", "c"), (std::vector<float>{11, 22, 33, 14, 25, 36}));

  try {
    session.output<float>("forward", "y");
    FAIL() << "no exception";
  } catch (const dlc::Error &e) {
    EXPECT_EQ(e.code(), DLC_INVALID_ARGUMENT);
    EXPECT_STREQ(e.what(), "outputs of 'forward' were overwritten by 'fused', which shares its "
                           "memory; run 'forward' again");
  }
}

// Outputs fetched for later arrive by synchronize; the device chosen and
// the reason "auto" gave for it are the session's to tell.
TEST_F(CpuSession, FetchedOutputsArriveBySynchronize) {
  dlc::Session::Options options;
  options.device = "cpu";
  dlc::Session session(exe_, options);
  EXPECT_EQ(session.device().rfind("cpu (", 0), 0u) << session.device();
  EXPECT_EQ(session.deviceNote(), "");
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  std::vector<float> y(6, -1);
  session.setInput("forward", "x", {2, 3}, x);
  session.run("forward");
  session.fetchOutput("forward", "y", y.data(), y.size() * sizeof(float));
  session.synchronize();
  EXPECT_EQ(y, x);
  try {
    session.fetchOutput("forward", "y", y.data(), 4);
    FAIL() << "no exception";
  } catch (const dlc::Error &e) {
    EXPECT_EQ(e.code(), DLC_INVALID_ARGUMENT);
    EXPECT_STREQ(e.what(), "output 'y' of 'forward' is tensor<2x3xf32> (24 bytes); got 4 bytes");
  }
}

// The session's memory on the CPU is its regions, each rounded up to the
// 64 bytes of the device's alignment.
TEST_F(CpuSession, ReportsItsPeakMemory) {
  const ExecutableSpec spec = tinySpec();
  auto rounded = [](uint64_t bytes) { return (bytes + 63) / 64 * 64; };
  uint64_t arena = 0; // one arena, as large as the largest entry point's
  for (const EntryPointSpec &entry : spec.entryPoints)
    arena = std::max(arena, entry.arenaSize);
  const uint64_t expected =
      rounded(arena) + rounded(spec.persistentSize) + rounded(spec.constants.size());
  dlc::Session session(exe_, dlc::Session::Options{});
  EXPECT_GT(expected, 0u);
  EXPECT_EQ(session.peakMemory(), expected);
}

// tiny.fb has no CUDA target: "auto" runs it on the CPU and says why.
TEST_F(CpuSession, AutoSaysWhyItChoseTheCpu) {
  dlc::Session::Options options;
  options.device = "auto";
  dlc::Session session(exe_, options);
  EXPECT_EQ(session.device().rfind("cpu (", 0), 0u) << session.device();
  EXPECT_EQ(session.deviceNote(),
            "running on the CPU: tiny.fb has no CUDA target (compiled with --target cpu)");
  options.precision = "fp16";
  try {
    dlc::Session bad(exe_, options);
    FAIL() << "no exception";
  } catch (const dlc::Error &e) {
    EXPECT_EQ(e.code(), DLC_INVALID_ARGUMENT);
    EXPECT_STREQ(e.what(), "dlc_session_create: precision 'fp16' is not fp32 or tf32");
  }
}

TEST(CpuSessionOps, EveryOpRunsOnTheCpuBackend) {
  const std::vector<uint8_t> bytes = build(allOpsSpec());
  dlc::Executable exe = dlc::Executable::loadMemory(bytes.data(), bytes.size(), "ops.fb");
  dlc::Session session(exe);
  std::vector<float> img(2 * 3 * 8 * 8);
  for (size_t i = 0; i < img.size(); ++i)
    img[i] = static_cast<float>((i * 37) % 17) / 17.0f - 0.5f;
  for (int step = 0; step < 2; ++step) {
    session.setInput("ops", "img", {2, 3, 8, 8}, img);
    session.setInput<int32_t>("ops", "labels", {2}, {1, 3});
    session.run("ops");
    const float loss = session.output<float>("ops", "loss")[0];
    const float acc = session.output<float>("ops", "acc")[0];
    EXPECT_TRUE(std::isfinite(loss) && loss > 0) << loss;
    EXPECT_TRUE(acc == 0.0f || acc == 0.5f || acc == 1.0f) << acc;
  }
  // Training batch norm updated its running variance from 1.
  EXPECT_NE(session.parameter<float>("bn_var"), std::vector<float>(4, 1.0f));
}

TEST_F(CpuSession, CheckpointsThroughTheCApi) {
  const std::string path = ::testing::TempDir() + "/cpu_session.safetensors";
  dlc::Session first(exe_);
  first.setParameter<float>("w", {1, 2, 3, 4, 5, 6});
  first.saveParameters(path);
  dlc::Session::Options options;
  options.seed = 1;
  dlc::Session second(exe_, options);
  EXPECT_NE(second.parameter<float>("w"), first.parameter<float>("w"));
  second.loadParameters(path);
  EXPECT_EQ(second.parameter<float>("w"), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(second.parameter<int64_t>("step"), (std::vector<int64_t>{3}));
}

TEST_F(CpuSession, SessionOutlivesItsExecutable) {
  std::unique_ptr<dlc::Session> session;
  {
    dlc::Executable exe = dlc::Executable::loadMemory(bytes_.data(), bytes_.size());
    session = std::make_unique<dlc::Session>(exe);
  }
  session->setInput<uint8_t>("other", "z", {4}, {1, 2, 3, 4});
  session->run("other");
  EXPECT_EQ(session->output<uint8_t>("other", "z_out"), (std::vector<uint8_t>{1, 2, 3, 4}));
}

} // namespace
} // namespace dlc::test
