// Sessions on a fake device (copies only): memory and initialization,
// inputs and outputs with their checks, the shared arena, parameters and
// checkpoints.
#include "fake_device.h"
#include "session.h"
#include "test_executable.h"

#include <gtest/gtest.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dlc::test {
namespace {

using rt::Executable;
using rt::Session;
using rt::Shape;
using rt::Status;

std::shared_ptr<const Executable> loadTiny(const ExecutableSpec &spec = tinySpec()) {
  const std::vector<uint8_t> bytes = build(spec);
  std::shared_ptr<const Executable> exe;
  Status status = Executable::loadMemory(bytes.data(), bytes.size(), "tiny.fb", &exe);
  EXPECT_TRUE(status.ok()) << status.message();
  return exe;
}

std::unique_ptr<Session> createSession(uint64_t seedOffset = 0,
                                       const ExecutableSpec &spec = tinySpec()) {
  std::unique_ptr<Session> session;
  Status status =
      Session::create(loadTiny(spec), std::make_unique<FakeDevice>(), seedOffset, &session);
  EXPECT_TRUE(status.ok()) << status.message();
  return session;
}

Shape shape(std::initializer_list<int64_t> dims) {
  Shape s;
  for (int64_t d : dims)
    s.dims[s.rank++] = d;
  return s;
}

std::vector<float> parameter(Session &session, const char *name, size_t count) {
  std::vector<float> values(count);
  Status status = session.getParameter(name, values.data(), count * sizeof(float));
  EXPECT_TRUE(status.ok()) << status.message();
  return values;
}

std::string tempPath(const std::string &name) { return ::testing::TempDir() + "/" + name; }

bool exists(const std::string &path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0;
}

std::string readAll(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Session, InitializesEveryPersistentBuffer) {
  std::unique_ptr<Session> session = createSession();
  const std::vector<float> w = parameter(*session, "w", 6);
  for (float v : w) {
    EXPECT_GE(v, -1.0f);
    EXPECT_LT(v, 1.0f);
  }
  EXPECT_NE(w[0], w[1]);
  EXPECT_EQ(parameter(*session, "b", 3), (std::vector<float>{0.5f, 1.5f, 2.5f}));
  int64_t step = 0;
  ASSERT_TRUE(session->getParameter("step", &step, sizeof step).ok());
  EXPECT_EQ(step, 3);
  EXPECT_EQ(parameter(*session, "w.m", 6), std::vector<float>(6, 0.0f));
  // Constants are copied into device memory.
  const float *scale = session->tensor(kScale).as<float>();
  EXPECT_EQ(std::vector<float>(scale, scale + 3), (std::vector<float>{10, 20, 30}));
}

TEST(Session, SeedsAreDeterministicAndOffsetChangesThem) {
  std::unique_ptr<Session> a = createSession(), b = createSession(), c = createSession(5);
  EXPECT_EQ(parameter(*a, "w", 6), parameter(*b, "w", 6));
  EXPECT_NE(parameter(*a, "w", 6), parameter(*c, "w", 6));
}

TEST(Session, UnknownDeviceListsTheAvailableOnes) {
  std::unique_ptr<rt::Device> device;
  Status status = rt::createDevice("tpu", 0, &device);
  EXPECT_EQ(status.code(), DLC_UNAVAILABLE);
  EXPECT_EQ(status.message(),
            "unknown device 'tpu'; available: auto, cpu, cuda, cuda:N, cuda-emulated:KERNELS.so");
}

TEST(Session, CudaEmulationNeedsItsHostKernels) {
  std::unique_ptr<rt::Device> device;
  Status status = rt::createDevice("cuda-emulated:/nonexistent/kernels.so", 0, &device);
  EXPECT_EQ(status.code(), DLC_UNAVAILABLE);
  EXPECT_EQ(status.message().rfind("cannot load the host kernels '/nonexistent/kernels.so': ", 0),
            0u)
      << status.message();
  // The emulation runs a file's CUDA form: the file must have one.
  status = rt::checkBuiltFor(*loadTiny(tinySpec()), "cuda-emulated:kernels.so");
  EXPECT_EQ(status.code(), DLC_UNAVAILABLE);
  EXPECT_EQ(status.message(),
            "tiny.fb was built for cpu, not for the cuda device (compile it with --target all or "
            "--target cuda for the GPU)");
}

TEST(Session, RefusesAFileBuiltForOtherTargets) {
  ExecutableSpec spec = tinySpec();
  spec.targets = {"sm_90", "sm_80"};
  Status status = rt::checkBuiltFor(*loadTiny(spec), "cpu");
  EXPECT_EQ(status.code(), DLC_UNAVAILABLE);
  EXPECT_EQ(status.message(), "tiny.fb was built for sm_90, sm_80, not for the cpu device");
  EXPECT_TRUE(rt::checkBuiltFor(*loadTiny(spec), "sm_80").ok());
}

TEST(Session, RunsAndReturnsOutputs) {
  std::unique_ptr<Session> session = createSession();
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  Status status = session->setInput("forward", "x", fb::DType::F32, shape({2, 3}), x.data(), 24);
  ASSERT_TRUE(status.ok()) << status.message();
  status = session->run("forward");
  ASSERT_TRUE(status.ok()) << status.message();
  std::vector<float> y(6);
  status = session->getOutput("forward", "y", y.data(), 24);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(y, x);
  // A run consumes its inputs (the plan may reuse their bytes): set them again.
  status = session->run("forward");
  EXPECT_EQ(status.code(), DLC_INVALID_ARGUMENT);
  EXPECT_EQ(status.message(), "input 'x' of 'forward' must be set again before each run: the "
                              "run reuses its memory once the input is consumed");
  ASSERT_TRUE(session->setInput("forward", "x", fb::DType::F32, shape({2, 3}), x.data(), 24).ok());
  ASSERT_TRUE(session->run("forward").ok());
}

TEST(Session, InputChecksNameTheDeclaration) {
  std::unique_ptr<Session> session = createSession();
  std::vector<float> x(8);
  Status status = session->setInput("forward", "x", fb::DType::F32, shape({2, 4}), x.data(), 32);
  EXPECT_EQ(status.code(), DLC_INVALID_ARGUMENT);
  EXPECT_EQ(status.message(), "input 'x' of 'forward' is tensor<2x3xf32>; got tensor<2x4xf32>");
  status = session->setInput("forward", "x", fb::DType::F64, shape({2, 3}), x.data(), 48);
  EXPECT_EQ(status.message(), "input 'x' of 'forward' is tensor<2x3xf32>; got tensor<2x3xf64>");
  status = session->setInput("forward", "x", fb::DType::F32, shape({2, 3}), x.data(), 20);
  EXPECT_EQ(status.message(), "input 'x' of 'forward' is 24 bytes; got 20");
  status = session->setInput("forward", "images", fb::DType::F32, shape({2, 3}), x.data(), 24);
  EXPECT_EQ(status.code(), DLC_NOT_FOUND);
  EXPECT_EQ(status.message(), "'forward' has no input 'images'; its inputs are: x");
  status = session->setInput("train", "x", fb::DType::F32, shape({2, 3}), x.data(), 24);
  EXPECT_EQ(status.code(), DLC_NOT_FOUND);
  status = session->run("forward");
  EXPECT_EQ(status.code(), DLC_INVALID_ARGUMENT);
  EXPECT_EQ(status.message(), "input 'x' of 'forward' was never set");
}

TEST(Session, OutputsNeedARunAndTheRightSize) {
  std::unique_ptr<Session> session = createSession();
  std::vector<float> y(6);
  Status status = session->getOutput("forward", "y", y.data(), 24);
  EXPECT_EQ(status.code(), DLC_INVALID_ARGUMENT);
  EXPECT_EQ(status.message(), "'forward' has no outputs: it has not run successfully");
  status = session->getOutput("forward", "y", y.data(), 16);
  EXPECT_EQ(status.message(),
            "output 'y' of 'forward' is tensor<2x3xf32> (24 bytes); got 16 bytes");
  status = session->getOutput("forward", "logits", y.data(), 24);
  EXPECT_EQ(status.code(), DLC_NOT_FOUND);
}

TEST(Session, EntryPointsSharingTheArenaInvalidateEachOther) {
  std::unique_ptr<Session> session = createSession();
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  const std::vector<uint8_t> z = {7, 8, 9, 10};
  ASSERT_TRUE(session->setInput("forward", "x", fb::DType::F32, shape({2, 3}), x.data(), 24).ok());
  ASSERT_TRUE(session->run("forward").ok());
  ASSERT_TRUE(session->setInput("other", "z", fb::DType::U8, shape({4}), z.data(), 4).ok());

  std::vector<float> y(6);
  Status status = session->getOutput("forward", "y", y.data(), 24);
  EXPECT_EQ(status.message(), "outputs of 'forward' were overwritten by 'other', which shares its "
                              "memory; run 'forward' again");
  status = session->run("forward");
  EXPECT_EQ(status.message(), "input 'x' of 'forward' was overwritten by 'other', which shares "
                              "its memory; set it again");
  ASSERT_TRUE(session->run("other").ok());
  std::vector<uint8_t> zOut(4);
  ASSERT_TRUE(session->getOutput("other", "z_out", zOut.data(), 4).ok());
  EXPECT_EQ(zOut, z);

  ASSERT_TRUE(session->setInput("forward", "x", fb::DType::F32, shape({2, 3}), x.data(), 24).ok());
  ASSERT_TRUE(session->run("forward").ok());
  ASSERT_TRUE(session->getOutput("forward", "y", y.data(), 24).ok());
  EXPECT_EQ(y, x);
}

TEST(Session, PreparationErrorsNameTheCommand) {
  std::unique_ptr<Session> session = createSession();
  std::vector<float> a(6);
  ASSERT_TRUE(session->setInput("fused", "a", fb::DType::F32, shape({2, 3}), a.data(), 24).ok());
  Status status = session->run("fused");
  EXPECT_EQ(status.code(), DLC_UNAVAILABLE);
  EXPECT_EQ(status.message(), "tiny.fb: preparing 'fused' on cpu: launch: the fake device runs "
                              "copies only");
}

TEST(Session, ParametersByName) {
  std::unique_ptr<Session> session = createSession();
  const std::vector<float> w = {1, 2, 3, 4, 5, 6};
  ASSERT_TRUE(session->setParameter("w", w.data(), 24).ok());
  EXPECT_EQ(parameter(*session, "w", 6), w);
  Status status = session->setParameter("w", w.data(), 20);
  EXPECT_EQ(status.code(), DLC_INVALID_ARGUMENT);
  EXPECT_EQ(status.message(), "parameter 'w' is tensor<2x3xf32> (24 bytes); got 20 bytes");
  std::vector<float> out(6);
  status = session->getParameter("v", out.data(), 24);
  EXPECT_EQ(status.code(), DLC_NOT_FOUND);
  EXPECT_EQ(status.message(), "model 'tiny' has no parameter 'v'");
}

TEST(Checkpoint, SaveLoadRoundTrip) {
  const std::string path = tempPath("round_trip.safetensors");
  std::unique_ptr<Session> first = createSession();
  const std::vector<float> moment = {6, 5, 4, 3, 2, 1};
  ASSERT_TRUE(first->setParameter("w.m", moment.data(), 24).ok());
  Status status = first->saveParameters(path);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_FALSE(exists(path + ".tmp-" + std::to_string(::getpid())));

  std::unique_ptr<Session> second = createSession(99);
  ASSERT_NE(parameter(*second, "w", 6), parameter(*first, "w", 6));
  status = second->loadParameters(path);
  ASSERT_TRUE(status.ok()) << status.message();
  for (const char *name : {"w", "b", "w.m"})
    EXPECT_EQ(parameter(*second, name, name[0] == 'b' ? 3 : 6),
              parameter(*first, name, name[0] == 'b' ? 3 : 6));
  int64_t step = 0;
  ASSERT_TRUE(second->getParameter("step", &step, 8).ok());
  EXPECT_EQ(step, 3);

  // The header is JSON with the model's name, and data starts 8-byte aligned.
  const std::string bytes = readAll(path);
  uint64_t headerLength = 0;
  std::memcpy(&headerLength, bytes.data(), 8);
  EXPECT_EQ(headerLength % 8, 0u);
  const std::string header = bytes.substr(8, headerLength);
  EXPECT_NE(header.find("\"__metadata__\":{\"model\":\"tiny\"}"), std::string::npos) << header;
  EXPECT_NE(header.find("\"w\":{\"data_offsets\":[0,24],\"dtype\":\"F32\",\"shape\":[2,3]}"),
            std::string::npos)
      << header;
  EXPECT_NE(header.find("\"step\":{\"data_offsets\":[36,44],\"dtype\":\"I64\",\"shape\":[]}"),
            std::string::npos)
      << header;
  EXPECT_EQ(bytes.size(), 8 + headerLength + 24 + 12 + 8 + 24);
}

/// Writes a safetensors file with `header` (JSON text) and `data`.
std::string writeSafetensors(const std::string &name, const std::string &header,
                             const std::string &data, int64_t lengthOverride = -1) {
  const std::string path = tempPath(name);
  std::ofstream out(path, std::ios::binary);
  const uint64_t length =
      lengthOverride >= 0 ? static_cast<uint64_t>(lengthOverride) : header.size();
  out.write(reinterpret_cast<const char *>(&length), 8);
  out << header << data;
  return path;
}

std::string tinyHeader(
    const std::string &wEntry = R"("w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]})") {
  return "{" + wEntry +
         R"(,"b":{"dtype":"F32","shape":[3],"data_offsets":[24,36]},)"
         R"("step":{"dtype":"I64","shape":[],"data_offsets":[36,44]}})";
}

TEST(Checkpoint, OptimizerStateMayBeAbsent) {
  std::unique_ptr<Session> session = createSession();
  const std::vector<float> moment = {6, 5, 4, 3, 2, 1};
  ASSERT_TRUE(session->setParameter("w.m", moment.data(), 24).ok());
  std::string data(44, '\0');
  const float w[6] = {1, 2, 3, 4, 5, 6};
  std::memcpy(data.data(), w, 24);
  const std::string path = writeSafetensors("weights_only.safetensors", tinyHeader(), data);
  Status status = session->loadParameters(path);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(parameter(*session, "w", 6), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(parameter(*session, "w.m", 6), moment);
}

TEST(Checkpoint, MismatchesAreRejectedAndChangeNothing) {
  struct Case {
    const char *what;
    std::string header;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"missing parameter",
       R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
       R"("step":{"dtype":"I64","shape":[],"data_offsets":[36,44]}})",
       ": no tensor for parameter 'b' of model 'tiny'"},
      {"unknown tensor",
       tinyHeader().substr(0, tinyHeader().size() - 1) +
           R"(,"v":{"dtype":"U8","shape":[0],"data_offsets":[0,0]}})",
       ": tensor 'v' is not a parameter of model 'tiny'"},
      {"dtype", tinyHeader(R"("w":{"dtype":"F16","shape":[2,6],"data_offsets":[0,24]})"),
       ": parameter 'w' is tensor<2x3xf32>; the file has tensor<2x6xf16>"},
      {"shape", tinyHeader(R"("w":{"dtype":"F32","shape":[3,2],"data_offsets":[0,24]})"),
       ": parameter 'w' is tensor<2x3xf32>; the file has tensor<3x2xf32>"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.what);
    std::unique_ptr<Session> session = createSession();
    const std::vector<float> before = parameter(*session, "w", 6);
    const std::string path =
        writeSafetensors("mismatch.safetensors", c.header, std::string(44, '\x01'));
    Status status = session->loadParameters(path);
    EXPECT_EQ(status.code(), DLC_INVALID_ARGUMENT);
    EXPECT_EQ(status.message(), path + c.message);
    EXPECT_EQ(parameter(*session, "w", 6), before);
  }
}

TEST(Checkpoint, DamagedFilesAreInvalid) {
  struct Case {
    const char *what;
    std::string header;
    std::string data;
    int64_t length;
    std::string message;
  };
  const std::string data(44, '\0');
  const std::vector<Case> cases = {
      {"header past the end", tinyHeader(), data, 1 << 20,
       "header length 1048576 exceeds the file (221 bytes) or the limit (104857600)"},
      {"not JSON", "{\"w\": ", data, -1, "the header is not a JSON object"},
      {"not an object", "[1, 2]", data, -1, "the header is not a JSON object"},
      {"unknown dtype", tinyHeader(R"("w":{"dtype":"I8","shape":[2,3],"data_offsets":[0,24]})"),
       data, -1, "tensor 'w' has dtype \"I8\", which dlc does not have"},
      {"shape not a list",
       tinyHeader(R"("w":{"dtype":"F32","shape":[2,-3],"data_offsets":[0,24]})"), data, -1,
       "tensor 'w': shape [2,-3] is not a list of sizes"},
      {"offsets past the data",
       tinyHeader(R"("w":{"dtype":"F32","shape":[2,3],"data_offsets":[40,64]})"), data, -1,
       "tensor 'w': data_offsets [40,64] are not [begin, end] within the 44 bytes of data"},
      {"offsets reversed", tinyHeader(R"("w":{"dtype":"F32","shape":[2,3],"data_offsets":[24,0]})"),
       data, -1,
       "tensor 'w': data_offsets [24,0] are not [begin, end] within the 44 bytes of data"},
      {"size mismatch", tinyHeader(R"("w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]})"),
       data, -1, "tensor 'w': tensor<2x3xf32> needs 24 bytes; data_offsets give 20"},
      {"overlap", tinyHeader(R"("w":{"dtype":"F32","shape":[2,3],"data_offsets":[20,44]})"), data,
       -1, "tensors 'w' and 'b' overlap"},
      {"missing field", tinyHeader(R"("w":{"dtype":"F32","shape":[2,3]})"), data, -1,
       "tensor 'w' needs dtype, shape and data_offsets"},
      {"metadata not strings", R"({"__metadata__":{"epoch":3}})", "", -1,
       "__metadata__ value 'epoch' is not a string"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.what);
    std::unique_ptr<Session> session = createSession();
    const std::string path = writeSafetensors("damaged.safetensors", c.header, c.data, c.length);
    Status status = session->loadParameters(path);
    EXPECT_EQ(status.code(), DLC_INVALID_FILE);
    EXPECT_EQ(status.message(), path + ": not a valid safetensors file: " + c.message);
  }
  std::unique_ptr<Session> session = createSession();
  const std::string shortFile = tempPath("short.safetensors");
  std::ofstream(shortFile, std::ios::binary) << "abc";
  Status status = session->loadParameters(shortFile);
  EXPECT_EQ(status.message(),
            shortFile +
                ": not a valid safetensors file: 3 bytes are too few for the header length");
  status = session->loadParameters(tempPath("no_such.safetensors"));
  EXPECT_EQ(status.code(), DLC_IO_ERROR);
}

TEST(Checkpoint, FailedSaveLeavesTheOldFile) {
  std::unique_ptr<Session> session = createSession();
  const std::string path = tempPath("atomic.safetensors");
  ASSERT_TRUE(session->saveParameters(path).ok());
  const std::string before = readAll(path);

  // A write that fails midway (like a full disk): the file size limit makes
  // write(2) fail with EFBIG instead of raising SIGXFSZ.
  const std::vector<float> w = {9, 9, 9, 9, 9, 9};
  ASSERT_TRUE(session->setParameter("w", w.data(), 24).ok());
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  auto previous = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = saved;
  small.rlim_cur = 100;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status status = session->saveParameters(path);
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, previous);
  EXPECT_EQ(status.code(), DLC_IO_ERROR);
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  EXPECT_EQ(status.message(),
            "saving " + path + ": cannot write " + temporary + ": File too large");
  EXPECT_EQ(readAll(path), before);
  EXPECT_FALSE(exists(temporary));

  status = session->saveParameters(tempPath("no_such_dir/params.safetensors"));
  EXPECT_EQ(status.code(), DLC_IO_ERROR);
  EXPECT_NE(status.message().find("No such file or directory"), std::string::npos);
}

TEST(Checkpoint, ReadOnlyDirectoryFailsCleanly) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root writes into read-only directories";
  const std::string dir = tempPath("read_only_dir");
  ::mkdir(dir.c_str(), 0755);
  std::unique_ptr<Session> session = createSession();
  ASSERT_TRUE(session->saveParameters(dir + "/p.safetensors").ok());
  const std::string before = readAll(dir + "/p.safetensors");
  ::chmod(dir.c_str(), 0555);
  Status status = session->saveParameters(dir + "/p.safetensors");
  ::chmod(dir.c_str(), 0755);
  EXPECT_EQ(status.code(), DLC_IO_ERROR);
  EXPECT_NE(status.message().find("Permission denied"), std::string::npos);
  EXPECT_EQ(readAll(dir + "/p.safetensors"), before);
}

} // namespace
} // namespace dlc::test
