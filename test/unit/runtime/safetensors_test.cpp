// The safetensors reader and writer on their own (checkpoints of sessions
// are tested in session_test).
#include "safetensors.h"

#include <gtest/gtest.h>

#include <cstring>

namespace dlc::rt {
namespace {

std::string tempPath(const std::string &name) { return ::testing::TempDir() + "/" + name; }

Shape shape(std::initializer_list<int64_t> dims) {
  Shape s;
  for (int64_t d : dims)
    s.dims[s.rank++] = d;
  return s;
}

TEST(Safetensors, RoundTripsDtypesMetadataAndEmptyTensors) {
  const std::vector<uint16_t> half = {0x3C00, 0xC000};
  const std::vector<uint8_t> flags = {1, 0, 1};
  const double scalar = 2.5;
  const std::vector<SafetensorsTensor> tensors = {
      {"half", fb::DType::BF16, shape({2}), half.data()},
      {"flags", fb::DType::I1, shape({3}), flags.data()},
      {"empty", fb::DType::F32, shape({0, 4}), nullptr},
      {"scalar", fb::DType::F64, shape({}), &scalar},
  };
  const std::string path = tempPath("all.safetensors");
  Status status = writeSafetensors(path, tensors, {{"model", "m"}, {"epoch", "3"}});
  ASSERT_TRUE(status.ok()) << status.message();
  SafetensorsFile file;
  status = readSafetensors(path, &file);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(file.metadata, (std::map<std::string, std::string>{{"epoch", "3"}, {"model", "m"}}));
  ASSERT_EQ(file.tensors.size(), 4u);
  for (const SafetensorsTensor &t : file.tensors) {
    SCOPED_TRACE(t.name);
    if (t.name == "half") {
      EXPECT_EQ(t.dtype, fb::DType::BF16);
      EXPECT_EQ(std::memcmp(t.data, half.data(), 4), 0);
    } else if (t.name == "flags") {
      EXPECT_EQ(t.dtype, fb::DType::I1);
      EXPECT_EQ(std::memcmp(t.data, flags.data(), 3), 0);
    } else if (t.name == "empty") {
      EXPECT_EQ(t.shape, shape({0, 4}));
    } else {
      EXPECT_EQ(t.shape.rank, 0);
      double value = 0;
      std::memcpy(&value, t.data, 8);
      EXPECT_EQ(value, 2.5);
    }
  }
}

TEST(Safetensors, NamesMustBeUtf8) {
  const float value = 1;
  Status status = writeSafetensors(tempPath("bad_name.safetensors"),
                                   {{"w\xff", fb::DType::F32, shape({}), &value}}, {});
  EXPECT_EQ(status.code(), DLC_INVALID_ARGUMENT);
  EXPECT_NE(status.message().find("not valid UTF-8"), std::string::npos) << status.message();
}

} // namespace
} // namespace dlc::rt
