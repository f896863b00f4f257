// The C API's own behaviour: argument checks, statuses, infos, and the C++
// wrapper's exceptions. Nothing here runs a command.
#include "dlc/runtime.h"
#include "dlc/runtime.hpp"
#include "test_executable.h"

#include <gtest/gtest.h>

#include <cstddef>

namespace dlc::test {
namespace {

/// The status's code and message, freeing it.
std::pair<dlc_status_code, std::string> take(dlc_status *status) {
  std::pair<dlc_status_code, std::string> result = {dlc_status_get_code(status),
                                                    dlc_status_get_message(status)};
  dlc_status_free(status);
  return result;
}

class CApi : public ::testing::Test {
protected:
  void SetUp() override {
    bytes_ = build(tinySpec());
    ASSERT_EQ(
        take(dlc_executable_load_memory(bytes_.data(), bytes_.size(), "tiny.fb", &exe_)).first,
        DLC_OK);
  }
  void TearDown() override { dlc_executable_release(exe_); }

  std::vector<uint8_t> bytes_;
  dlc_executable *exe_ = nullptr;
};

TEST(CApiStatus, SuccessIsNull) {
  EXPECT_EQ(dlc_status_get_code(nullptr), DLC_OK);
  EXPECT_STREQ(dlc_status_get_message(nullptr), "");
  dlc_status_free(nullptr);
}

TEST(CApiStatus, VersionIsTheHeaders) {
  std::string header = std::to_string(DLC_RUNTIME_VERSION_MAJOR) + "." +
                       std::to_string(DLC_RUNTIME_VERSION_MINOR) + "." +
                       std::to_string(DLC_RUNTIME_VERSION_PATCH);
  EXPECT_EQ(header, dlc_runtime_version());
  EXPECT_EQ(header, dlc::version());
}

// The C ABI's data, as libdlc_runtime.so.0 was released with it (LP64).
// A change here breaks programs built against an older header: it needs a
// new major version (runtime.h, DLC_RUNTIME_VERSION_MAJOR), not a new test.
TEST(CApiAbi, LayoutAndValuesAreThoseOfMajorVersion0) {
  ASSERT_EQ(DLC_RUNTIME_VERSION_MAJOR, 0);
  if (sizeof(void *) == 8) {
    EXPECT_EQ(sizeof(dlc_tensor_info), 88u);
    EXPECT_EQ(offsetof(dlc_tensor_info, name), 0u);
    EXPECT_EQ(offsetof(dlc_tensor_info, dtype), 8u);
    EXPECT_EQ(offsetof(dlc_tensor_info, rank), 12u);
    EXPECT_EQ(offsetof(dlc_tensor_info, shape), 16u);
    EXPECT_EQ(offsetof(dlc_tensor_info, size_bytes), 80u);
    EXPECT_EQ(sizeof(dlc_session_options), 32u);
    EXPECT_EQ(offsetof(dlc_session_options, device), 0u);
    EXPECT_EQ(offsetof(dlc_session_options, num_threads), 8u);
    EXPECT_EQ(offsetof(dlc_session_options, seed), 16u);
    EXPECT_EQ(offsetof(dlc_session_options, precision), 24u);
  }
  EXPECT_EQ(DLC_MAX_RANK, 8);
  EXPECT_EQ(sizeof(dlc_dtype), 4u);
  EXPECT_EQ(sizeof(dlc_status_code), 4u);
  const int dtypes[] = {DLC_F32, DLC_F64, DLC_F16, DLC_BF16, DLC_I64, DLC_I32, DLC_U8, DLC_I1};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(dtypes[i], i);
  const int codes[] = {DLC_OK,       DLC_INVALID_ARGUMENT, DLC_INVALID_FILE,  DLC_NOT_FOUND,
                       DLC_IO_ERROR, DLC_UNAVAILABLE,      DLC_RUNTIME_ERROR, DLC_INTERNAL};
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(codes[i], i);
}

TEST(CApiStatus, DtypeNamesAndSizes) {
  EXPECT_EQ(dlc_dtype_size(DLC_F64), 8u);
  EXPECT_EQ(dlc_dtype_size(DLC_BF16), 2u);
  EXPECT_EQ(dlc_dtype_size(DLC_I1), 1u);
  EXPECT_EQ(dlc_dtype_size(static_cast<dlc_dtype>(42)), 0u);
  EXPECT_STREQ(dlc_dtype_name(DLC_U8), "ui8");
  EXPECT_STREQ(dlc_dtype_name(static_cast<dlc_dtype>(-1)), "?");
}

TEST(CApiStatus, LoadErrors) {
  dlc_executable *exe = reinterpret_cast<dlc_executable *>(1);
  auto [code, message] = take(dlc_executable_load_memory("garbage!", 8, "junk.fb", &exe));
  EXPECT_EQ(code, DLC_INVALID_FILE);
  EXPECT_EQ(message, "junk.fb: not a dlc executable (file identifier 'age!', expected 'DLCX')");
  EXPECT_EQ(exe, nullptr);
  std::tie(code, message) = take(dlc_executable_load_file("/no/such/model.fb", &exe));
  EXPECT_EQ(code, DLC_IO_ERROR);
  EXPECT_EQ(message, "cannot open /no/such/model.fb: No such file or directory");
  std::tie(code, message) = take(dlc_executable_load_file(nullptr, &exe));
  EXPECT_EQ(code, DLC_INVALID_ARGUMENT);
  EXPECT_EQ(message, "dlc_executable_load_file: path is NULL");
  std::tie(code, message) = take(dlc_executable_load_memory(nullptr, 10, "x", &exe));
  EXPECT_EQ(message, "dlc_executable_load_memory: data is NULL");
  std::tie(code, message) = take(dlc_executable_load_memory(nullptr, 0, nullptr, &exe));
  EXPECT_EQ(message, "<memory>: 0 bytes are too few for a dlc executable");
}

TEST_F(CApi, DescribesTheModel) {
  EXPECT_STREQ(dlc_executable_model_name(exe_), "tiny");
  ASSERT_EQ(dlc_executable_entry_point_count(exe_), 3u);
  EXPECT_STREQ(dlc_executable_entry_point_name(exe_, 1), "other");
  EXPECT_EQ(dlc_executable_entry_point_name(exe_, 3), nullptr);
  size_t inputs = 0, outputs = 0;
  ASSERT_EQ(take(dlc_executable_entry_point_io(exe_, "fused", &inputs, &outputs)).first, DLC_OK);
  EXPECT_EQ(inputs, 1u);
  EXPECT_EQ(outputs, 1u);

  dlc_tensor_info info;
  ASSERT_EQ(take(dlc_executable_input_info(exe_, "other", 0, &info)).first, DLC_OK);
  EXPECT_STREQ(info.name, "z");
  EXPECT_EQ(info.dtype, DLC_U8);
  EXPECT_EQ(info.rank, 1);
  EXPECT_EQ(info.shape[0], 4);
  EXPECT_EQ(info.size_bytes, 4u);
  ASSERT_EQ(take(dlc_executable_output_info(exe_, "forward", 0, &info)).first, DLC_OK);
  EXPECT_STREQ(info.name, "y");
  EXPECT_EQ(info.size_bytes, 24u);

  ASSERT_EQ(dlc_executable_parameter_count(exe_), 4u);
  ASSERT_EQ(take(dlc_executable_parameter_info(exe_, 2, &info)).first, DLC_OK);
  EXPECT_STREQ(info.name, "step");
  EXPECT_EQ(info.dtype, DLC_I64);
  EXPECT_EQ(info.rank, 0);
  EXPECT_EQ(info.size_bytes, 8u);
}

TEST_F(CApi, IndexAndNameErrors) {
  dlc_tensor_info info;
  auto [code, message] = take(dlc_executable_input_info(exe_, "forward", 1, &info));
  EXPECT_EQ(code, DLC_NOT_FOUND);
  EXPECT_EQ(message, "'forward' has 1 inputs; index 1 is out of range");
  std::tie(code, message) = take(dlc_executable_output_info(exe_, "backward", 0, &info));
  EXPECT_EQ(code, DLC_NOT_FOUND);
  EXPECT_EQ(message, "tiny.fb: no entry point 'backward'; it has: forward, other, fused");
  std::tie(code, message) = take(dlc_executable_parameter_info(exe_, 4, &info));
  EXPECT_EQ(message, "model 'tiny' has 4 parameters; index 4 is out of range");
  std::tie(code, message) = take(dlc_executable_input_info(exe_, "forward", 0, nullptr));
  EXPECT_EQ(code, DLC_INVALID_ARGUMENT);
  EXPECT_EQ(message, "dlc_executable_input_info: info is NULL");
  std::tie(code, message) =
      take(dlc_executable_entry_point_io(nullptr, "forward", nullptr, nullptr));
  EXPECT_EQ(message, "dlc_executable_entry_point_io: executable is NULL");
}

TEST_F(CApi, SessionArgumentErrors) {
  dlc_session *session = reinterpret_cast<dlc_session *>(1);
  dlc_session_options options{"tpu", 0, 0, nullptr};
  auto [code, message] = take(dlc_session_create(exe_, &options, &session));
  EXPECT_EQ(code, DLC_UNAVAILABLE);
  EXPECT_EQ(message,
            "unknown device 'tpu'; available: auto, cpu, cuda, cuda:N, cuda-emulated:KERNELS.so");
  EXPECT_EQ(session, nullptr);
  options = {"cpu", -2, 0, nullptr};
  std::tie(code, message) = take(dlc_session_create(exe_, &options, &session));
  EXPECT_EQ(code, DLC_INVALID_ARGUMENT);
  EXPECT_EQ(message, "thread count -2 is negative");
  std::tie(code, message) = take(dlc_session_create(nullptr, nullptr, &session));
  EXPECT_EQ(message, "dlc_session_create: executable is NULL");
  std::tie(code, message) = take(dlc_session_run(nullptr, "forward"));
  EXPECT_EQ(message, "dlc_session_run: session is NULL");
  std::tie(code, message) =
      take(dlc_session_set_input(nullptr, "forward", "x", DLC_F32, nullptr, 0, nullptr, 0));
  EXPECT_EQ(message, "dlc_session_set_input: session is NULL");
  std::tie(code, message) = take(dlc_session_save_parameters(nullptr, "p"));
  EXPECT_EQ(message, "dlc_session_save_parameters: session is NULL");
}

TEST(CppWrapper, ThrowsErrorsWithTheirCode) {
  try {
    dlc::Executable::loadMemory("garbage!", 8, "junk.fb");
    FAIL() << "no exception";
  } catch (const dlc::Error &e) {
    EXPECT_EQ(e.code(), DLC_INVALID_FILE);
    EXPECT_STREQ(e.what(),
                 "junk.fb: not a dlc executable (file identifier 'age!', expected 'DLCX')");
  }
  const std::vector<uint8_t> bytes = build(tinySpec());
  dlc::Executable exe = dlc::Executable::loadMemory(bytes.data(), bytes.size());
  EXPECT_EQ(exe.modelName(), "tiny");
  EXPECT_EQ(exe.entryPoints(), (std::vector<std::string>{"forward", "other", "fused"}));
  const std::vector<dlc::TensorInfo> parameters = exe.parameters();
  ASSERT_EQ(parameters.size(), 4u);
  EXPECT_EQ(parameters[0].name, "w");
  EXPECT_EQ(parameters[0].shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(exe.inputs("other")[0].dtype, DLC_U8);
  try {
    exe.outputs("nope");
    FAIL() << "no exception";
  } catch (const dlc::Error &e) {
    EXPECT_EQ(e.code(), DLC_NOT_FOUND);
  }
  dlc::Session::Options options;
  options.device = "tpu";
  EXPECT_THROW(dlc::Session(exe, options), dlc::Error);
}

} // namespace
} // namespace dlc::test
