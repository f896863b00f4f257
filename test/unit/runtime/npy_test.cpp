// .npy and .npz: round trips for every dtype, NumPy's exact header layout,
// and a clear error for every unsupported or damaged file.
#include "npy.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstring>
#include <fstream>

namespace dlc::rt {
namespace {

std::string tempPath(const std::string &name) { return ::testing::TempDir() + "/" + name; }

void writeBytes(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

HostTensor tensor(fb::DType dtype, std::vector<int64_t> dims) {
  HostTensor t;
  t.dtype = dtype;
  for (int64_t d : dims)
    t.shape.dims[t.shape.rank++] = d;
  t.bytes.resize(static_cast<size_t>(t.shape.elements()) * dtypeSize(dtype));
  for (size_t i = 0; i < t.bytes.size(); ++i)
    t.bytes[i] = dtype == fb::DType::I1 ? i % 2 : static_cast<uint8_t>(i * 7 + 1);
  return t;
}

/// A .npy file with the given header dictionary and data.
std::string npy(const std::string &dict, const std::string &data, int major = 1) {
  std::string header = dict;
  const size_t preamble = major == 1 ? 10 : 12;
  header.append(63 - (preamble + header.size()) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += static_cast<char>(major);
  bytes += '\0';
  const size_t n = header.size();
  bytes += static_cast<char>(n & 0xFF);
  bytes += static_cast<char>(n >> 8);
  if (major > 1)
    bytes += std::string(2, '\0');
  return bytes + header + data;
}

TEST(Npy, RoundTripsEveryDtypeAndShape) {
  for (fb::DType dtype : {fb::DType::F32, fb::DType::F64, fb::DType::F16, fb::DType::I64,
                          fb::DType::I32, fb::DType::U8, fb::DType::I1}) {
    for (std::vector<int64_t> dims :
         std::vector<std::vector<int64_t>>{{}, {5}, {2, 3}, {2, 0, 4}, {1, 2, 1, 2, 1, 2, 1, 2}}) {
      SCOPED_TRACE(std::string(dtypeName(dtype)) + " rank " + std::to_string(dims.size()));
      const HostTensor original = tensor(dtype, dims);
      const std::string path = tempPath("round_trip.npy");
      ASSERT_TRUE(writeNpy(path, original).ok());
      EXPECT_EQ(readBytes(path).size() % 64, original.bytes.size() % 64);
      HostTensor read;
      Status status = readNpy(path, &read);
      ASSERT_TRUE(status.ok()) << status.message();
      EXPECT_EQ(read.dtype, original.dtype);
      EXPECT_EQ(read.shape, original.shape);
      EXPECT_EQ(read.bytes, original.bytes);
    }
  }
}

TEST(Npy, WritesNumPysHeaderLayout) {
  std::vector<uint8_t> bytes;
  ASSERT_TRUE(encodeNpy(tensor(fb::DType::F32, {2, 3}), &bytes).ok());
  const std::string text(bytes.begin(), bytes.end());
  // What numpy.save writes for np.zeros((2, 3), np.float32).
  const std::string expected = std::string("\x93NUMPY\x01\x00v\x00", 10) +
                               "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }" +
                               std::string(58, ' ') + "\n";
  EXPECT_EQ(text.substr(0, 128), expected);
  EXPECT_EQ(bytes.size(), 128u + 24u);
  ASSERT_TRUE(encodeNpy(tensor(fb::DType::U8, {7}), &bytes).ok());
  EXPECT_NE(std::string(bytes.begin(), bytes.end())
                .find("'descr': '|u1', 'fortran_order': False, 'shape': (7,), }"),
            std::string::npos);
  ASSERT_TRUE(encodeNpy(tensor(fb::DType::I1, {}), &bytes).ok());
  EXPECT_NE(std::string(bytes.begin(), bytes.end())
                .find("'descr': '|b1', 'fortran_order': False, 'shape': (), }"),
            std::string::npos);
  Status status = encodeNpy(tensor(fb::DType::BF16, {2}), &bytes);
  EXPECT_EQ(status.code(), DLC_INVALID_ARGUMENT);
  EXPECT_EQ(status.message(), "tensor<2xbf16> has no NumPy dtype");
}

TEST(Npy, ReadsOtherHeaderSpellings) {
  const std::string data(8, '\x01');
  struct Case {
    std::string dict;
    int major;
  };
  const std::vector<Case> cases = {
      {"{\"descr\": \"<u1\", \"fortran_order\": False, \"shape\": (2, 4)}", 1},
      {"{'shape': (2L, 4L), 'fortran_order': False, 'descr': '|u1'}", 1},
      {"{'descr':'|u1','fortran_order':False,'shape':(2,4,),}", 2},
      {"{'descr': '|u1', 'fortran_order': False, 'shape': (2, 4), }", 3},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.dict);
    const std::string bytes = npy(c.dict, data, c.major);
    HostTensor t;
    Status status =
        parseNpy(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size(), "a.npy", &t);
    ASSERT_TRUE(status.ok()) << status.message();
    EXPECT_EQ(t.dtype, fb::DType::U8);
    EXPECT_EQ(describe(t.dtype, t.shape), "tensor<2x4xui8>");
  }
}

TEST(Npy, ErrorsSayWhatIsWrong) {
  const std::string f4 = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  struct Case {
    const char *what;
    std::string bytes;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"Fortran order",
       npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", std::string(24, '\0')),
       "a.npy: Fortran-order arrays are not supported; save a C-order copy "
       "(numpy.ascontiguousarray)"},
      {"big-endian",
       npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", std::string(24, '\0')),
       "a.npy: dtype '>f4' is not supported (big-endian); supported: <f4 <f8 <f2 <i8 <i4 |u1 <u1 "
       "|b1"},
      {"int16",
       npy("{'descr': '<i2', 'fortran_order': False, 'shape': (2, 3), }", std::string(12, '\0')),
       "a.npy: dtype '<i2' is not supported; supported: <f4 <f8 <f2 <i8 <i4 |u1 <u1 |b1"},
      {"truncated data", npy(f4, std::string(20, '\0')),
       "a.npy: tensor<2x3xf32> needs 24 bytes of data; the file has 20 (truncated)"},
      {"extra data", npy(f4, std::string(30, '\0')),
       "a.npy: tensor<2x3xf32> needs 24 bytes of data; the file has 30"},
      {"bad magic", "\x93NUMPX\x01\x00", "a.npy: not a .npy file (no \\x93NUMPY magic)"},
      {"version", std::string("\x93NUMPY\x04\x00\x10\x00", 10) + "{}",
       "a.npy: .npy format version 4.0 is not supported (1.0, 2.0, 3.0 are)"},
      {"truncated header", std::string("\x93NUMPY\x01\x00\x76\x00{'descr'", 17),
       "a.npy: truncated .npy header: 118 bytes announced, 7 present"},
      {"structured dtype",
       npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", ""),
       "a.npy: bad .npy header: structured dtypes are not supported (at character 10)"},
      {"missing key", npy("{'descr': '<f4', 'shape': (2,), }", std::string(8, '\0')),
       "a.npy: bad .npy header: the header needs 'descr', 'fortran_order' and 'shape'"},
      {"rank 9",
       npy("{'descr': '|u1', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", "\x01"),
       "a.npy: bad .npy header: rank exceeds the limit of 8 (at character 68)"},
      {"bool not 0 or 1",
       npy("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
           std::string("\x01\x00\x02", 3)),
       "a.npy: boolean element 2 is 2, not 0 or 1"},
      {"too large",
       npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }", ""),
       "a.npy: tensor<1000000000x1000000000xf64> is too large"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.what);
    HostTensor t;
    Status status =
        parseNpy(reinterpret_cast<const uint8_t *>(c.bytes.data()), c.bytes.size(), "a.npy", &t);
    EXPECT_EQ(status.code(), DLC_INVALID_FILE);
    EXPECT_EQ(status.message(), c.message);
  }
  HostTensor t;
  Status status = readNpy(tempPath("missing.npy"), &t);
  EXPECT_EQ(status.code(), DLC_IO_ERROR);
}

//===----------------------------------------------------------------------===//
// .npz
//===----------------------------------------------------------------------===//

void put(std::string &out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out += static_cast<char>((value >> (8 * i)) & 0xFF);
}

std::string deflateRaw(const std::string &data) {
  z_stream stream{};
  EXPECT_EQ(deflateInit2(&stream, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef *>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

struct ZipEntry {
  std::string name;
  std::string data;
  bool deflated = false;
  bool localZip64Extra = false; // as numpy.savez writes (force_zip64)
  uint32_t crcXor = 0;          // to damage the stored CRC
};

/// A zip archive as numpy.savez writes one (local headers, central
/// directory, end record).
std::string zip(const std::vector<ZipEntry> &entries) {
  std::string out, directory;
  for (const ZipEntry &e : entries) {
    const std::string payload = e.deflated ? deflateRaw(e.data) : e.data;
    const uint32_t crc =
        static_cast<uint32_t>(crc32(0, reinterpret_cast<const Bytef *>(e.data.data()),
                                    static_cast<uInt>(e.data.size()))) ^
        e.crcXor;
    const uint64_t offset = out.size();
    std::string extra;
    if (e.localZip64Extra) {
      put(extra, 1, 2);
      put(extra, 16, 2);
      put(extra, e.data.size(), 8);
      put(extra, payload.size(), 8);
    }
    put(out, 0x04034b50, 4);
    put(out, 45, 2);
    put(out, 0, 2);
    put(out, e.deflated ? 8 : 0, 2);
    put(out, 0, 4);
    put(out, crc, 4);
    put(out, e.localZip64Extra ? 0xFFFFFFFF : payload.size(), 4);
    put(out, e.localZip64Extra ? 0xFFFFFFFF : e.data.size(), 4);
    put(out, e.name.size(), 2);
    put(out, extra.size(), 2);
    out += e.name + extra + payload;

    put(directory, 0x02014b50, 4);
    put(directory, 45, 2);
    put(directory, 45, 2);
    put(directory, 0, 2);
    put(directory, e.deflated ? 8 : 0, 2);
    put(directory, 0, 4);
    put(directory, crc, 4);
    put(directory, payload.size(), 4);
    put(directory, e.data.size(), 4);
    put(directory, e.name.size(), 2);
    put(directory, 0, 2);
    put(directory, 0, 2);
    put(directory, 0, 2);
    put(directory, 0, 2);
    put(directory, 0, 4);
    put(directory, offset, 4);
    directory += e.name;
  }
  const uint64_t directoryOffset = out.size();
  out += directory;
  put(out, 0x06054b50, 4);
  put(out, 0, 4);
  put(out, entries.size(), 2);
  put(out, entries.size(), 2);
  put(out, directory.size(), 4);
  put(out, directoryOffset, 4);
  put(out, 0, 2);
  return out;
}

std::string npyOf(const HostTensor &t) {
  std::vector<uint8_t> bytes;
  EXPECT_TRUE(encodeNpy(t, &bytes).ok());
  return std::string(bytes.begin(), bytes.end());
}

TEST(Npz, ReadsStoredAndDeflatedEntries) {
  const HostTensor images = tensor(fb::DType::U8, {3, 4, 4});
  const HostTensor labels = tensor(fb::DType::I64, {3});
  const std::string path = tempPath("data.npz");
  writeBytes(path, zip({{"images.npy", npyOf(images), false, true},
                        {"labels.npy", npyOf(labels), true, true}}));
  std::vector<NamedHostTensor> arrays;
  Status status = readNpz(path, &arrays);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_EQ(arrays.size(), 2u);
  EXPECT_EQ(arrays[0].name, "images");
  EXPECT_EQ(arrays[0].tensor.bytes, images.bytes);
  EXPECT_EQ(arrays[1].name, "labels");
  EXPECT_EQ(arrays[1].tensor.dtype, fb::DType::I64);
  EXPECT_EQ(arrays[1].tensor.bytes, labels.bytes);
}

TEST(Npz, DamagedArchivesAreInvalid) {
  const std::string x = npyOf(tensor(fb::DType::F32, {4}));
  const std::string good = zip({{"x.npy", x, true}});
  struct Case {
    const char *what;
    std::string bytes;
    std::string message;
  };
  std::string badMethod = zip({{"x.npy", x}});
  badMethod[8] = 12;                      // bzip2 in the local header...
  badMethod[x.size() + 30 + 5 + 10] = 12; // ...and in the central directory
  const std::vector<Case> cases = {
      {"CRC", zip({{"x.npy", x, true, false, 1}}), "entry 'x.npy': CRC-32 mismatch (damaged data)"},
      {"not a zip", "hello, world, this is not a zip file",
       "not a zip archive (no end of central directory record)"},
      {"cut short", good.substr(0, good.size() / 2),
       "not a zip archive (no end of central directory record)"},
      {"not npy", zip({{"readme.txt", "hi"}}), "entry 'readme.txt' is not a .npy file"},
      {"method", badMethod,
       "entry 'x.npy': compression method 12 is not supported (stored and deflate are)"},
      {"damaged deflate",
       [&] {
         std::string bytes = good;
         bytes[30 + 5 + 2] ^= 0x55; // inside the deflate stream
         return bytes;
       }(),
       ""},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.what);
    const std::string path = tempPath("damaged.npz");
    writeBytes(path, c.bytes);
    std::vector<NamedHostTensor> arrays;
    Status status = readNpz(path, &arrays);
    EXPECT_EQ(status.code(), DLC_INVALID_FILE);
    if (!c.message.empty()) {
      EXPECT_EQ(status.message(), path + ": " + c.message);
    }
  }
}

} // namespace
} // namespace dlc::rt
