// MNIST IDX files, plain and gzip-compressed: values and shapes come back
// little-endian; damaged files are reported with sizes.
#include "idx.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <fstream>

namespace dlc::rt {
namespace {

std::string tempPath(const std::string &name) { return ::testing::TempDir() + "/" + name; }

/// An IDX file: magic 0x0000TTNN, big-endian dims, then `data` as given.
std::string idx(uint8_t type, std::vector<uint32_t> dims, const std::string &data) {
  std::string bytes = {'\0', '\0', static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8)
      bytes += static_cast<char>((d >> shift) & 0xFF);
  return bytes + data;
}

std::string write(const std::string &name, const std::string &bytes, bool gzip) {
  const std::string path = tempPath(name);
  if (gzip) {
    gzFile file = gzopen(path.c_str(), "wb");
    EXPECT_TRUE(file);
    EXPECT_EQ(gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
    gzclose(file);
  } else {
    std::ofstream(path, std::ios::binary) << bytes;
  }
  return path;
}

TEST(Idx, ReadsLabelsAndImagesPlainAndGzipped) {
  std::string pixels;
  for (int i = 0; i < 2 * 3 * 3; ++i)
    pixels += static_cast<char>(i * 10);
  for (bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    HostTensor labels;
    Status status = readIdx(write(gzip ? "labels.idx1-ubyte.gz" : "labels.idx1-ubyte",
                                  idx(0x08, {5}, "\x01\x02\x03\x04\x09"), gzip),
                            &labels);
    ASSERT_TRUE(status.ok()) << status.message();
    EXPECT_EQ(describe(labels.dtype, labels.shape), "tensor<5xui8>");
    EXPECT_EQ(labels.bytes, (std::vector<uint8_t>{1, 2, 3, 4, 9}));

    HostTensor images;
    status =
        readIdx(write(gzip ? "images.gz" : "images", idx(0x08, {2, 3, 3}, pixels), gzip), &images);
    ASSERT_TRUE(status.ok()) << status.message();
    EXPECT_EQ(describe(images.dtype, images.shape), "tensor<2x3x3xui8>");
    EXPECT_EQ(images.bytes[17], 170);
  }
}

TEST(Idx, WiderTypesAreByteSwapped) {
  HostTensor ints;
  ASSERT_TRUE(
      readIdx(
          write("ints", idx(0x0C, {2}, std::string("\x00\x00\x01\x02\xff\xff\xff\xfe", 8)), false),
          &ints)
          .ok());
  int32_t values[2];
  std::memcpy(values, ints.bytes.data(), 8);
  EXPECT_EQ(values[0], 258);
  EXPECT_EQ(values[1], -2);

  HostTensor floats;
  ASSERT_TRUE(
      readIdx(write("floats", idx(0x0D, {1}, std::string("\x3f\xc0\x00\x00", 4)), true), &floats)
          .ok());
  float f;
  std::memcpy(&f, floats.bytes.data(), 4);
  EXPECT_EQ(f, 1.5f);
  EXPECT_EQ(floats.dtype, fb::DType::F32);

  HostTensor doubles;
  ASSERT_TRUE(
      readIdx(write("doubles", idx(0x0E, {1}, std::string("\xc0\x04\x00\x00\x00\x00\x00\x00", 8)),
                    false),
              &doubles)
          .ok());
  double d;
  std::memcpy(&d, doubles.bytes.data(), 8);
  EXPECT_EQ(d, -2.5);
}

TEST(Idx, ErrorsNameSizesAndTypes) {
  struct Case {
    const char *what;
    std::string bytes;
    bool gzip;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"truncated", idx(0x08, {2, 28, 28}, std::string(1000, '\0')), false,
       "tensor<2x28x28xui8> needs 1568 bytes of data after the header; the file has 1000"},
      {"truncated gzip", idx(0x08, {2, 28, 28}, std::string(1000, '\0')), true,
       "tensor<2x28x28xui8> needs 1568 bytes of data after the header; the file has 1000"},
      {"extra data", idx(0x08, {3}, "abcd"), false,
       "tensor<3xui8> needs 3 bytes of data after the header; the file has more"},
      {"bad magic", std::string("\x01\x00\x08\x01\x00\x00\x00\x01x", 9), false,
       "not an IDX file (bad magic number)"},
      {"signed bytes", idx(0x09, {1}, "x"), false,
       "IDX element type 0x09 is not supported (0x08 ubyte, 0x0C int, 0x0D float, 0x0E double "
       "are)"},
      {"rank 9", idx(0x08, {1, 1, 1, 1, 1, 1, 1, 1, 1}, "x"), false,
       "9 dimensions exceed the limit of 8"},
      {"truncated header", std::string("\x00\x00\x08\x03\x00\x00\x00\x02", 8), false,
       "truncated IDX header"},
      {"huge", idx(0x0E, {65536, 65536, 65536}, ""), false,
       "tensor<65536x65536x65536xf64> is larger than 68719476736 bytes"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.what);
    const std::string path = write("bad.idx", c.bytes, c.gzip);
    HostTensor t;
    Status status = readIdx(path, &t);
    EXPECT_EQ(status.code(), DLC_INVALID_FILE);
    EXPECT_EQ(status.message(), path + ": " + c.message);
  }
  // A gzip stream cut in the middle.
  const std::string whole = write("whole.gz", idx(0x08, {4000}, std::string(4000, 'x')), true);
  std::ifstream in(whole, std::ios::binary);
  std::string compressed((std::istreambuf_iterator<char>(in)), {});
  const std::string cut = tempPath("cut.gz");
  std::ofstream(cut, std::ios::binary) << compressed.substr(0, compressed.size() - 12);
  HostTensor t;
  Status status = readIdx(cut, &t);
  EXPECT_EQ(status.code(), DLC_INVALID_FILE);
  EXPECT_EQ(status.message().rfind(cut + ": ", 0), 0u) << status.message();

  status = readIdx(tempPath("no_such.idx"), &t);
  EXPECT_EQ(status.code(), DLC_IO_ERROR);
  EXPECT_EQ(status.message(),
            "cannot open " + tempPath("no_such.idx") + ": No such file or directory");
}

} // namespace
} // namespace dlc::rt
