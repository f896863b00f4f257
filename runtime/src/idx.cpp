#include "idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace dlc::rt {

namespace {

// More data than this is surely a damaged header (or a gzip bomb).
constexpr uint64_t kMaxIdxBytes = uint64_t(1) << 36;

/// gzread that fills `size` bytes unless the data ends; returns the count,
/// or -1 with a message in `why`.
int64_t readFully(gzFile file, uint8_t *data, uint64_t size, std::string *why) {
  uint64_t done = 0;
  while (done < size) {
    const unsigned step = static_cast<unsigned>(std::min<uint64_t>(size - done, 1u << 30));
    const int n = gzread(file, data + done, step);
    if (n < 0) {
      int code = 0;
      const char *message = gzerror(file, &code);
      *why = code == Z_ERRNO ? std::strerror(errno) : message;
      return -1;
    }
    if (n == 0)
      break;
    done += static_cast<uint64_t>(n);
  }
  return static_cast<int64_t>(done);
}

bool dtypeOfIdxType(uint8_t type, fb::DType *dtype) {
  switch (type) {
  case 0x08:
    *dtype = fb::DType::U8;
    return true;
  case 0x0C:
    *dtype = fb::DType::I32;
    return true;
  case 0x0D:
    *dtype = fb::DType::F32;
    return true;
  case 0x0E:
    *dtype = fb::DType::F64;
    return true;
  default:
    return false;
  }
}

/// Big-endian elements of `width` bytes to little-endian, in place.
void swapBytes(std::vector<uint8_t> &bytes, size_t width) {
  for (size_t i = 0; i + width <= bytes.size(); i += width)
    for (size_t j = 0; j < width / 2; ++j)
      std::swap(bytes[i + j], bytes[i + width - 1 - j]);
}

} // namespace

Status readIdx(const std::string &path, HostTensor *out) {
  errno = 0;
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file)
    return error(DLC_IO_ERROR, "cannot open {}: {}", path,
                 errno ? std::strerror(errno) : "out of memory");
  struct Closer {
    gzFile file;
    ~Closer() { gzclose(file); }
  } closer{file};
  gzbuffer(file, 1 << 17);

  std::string why;
  uint8_t magic[4];
  const int64_t got = readFully(file, magic, 4, &why);
  if (got < 0)
    return error(DLC_INVALID_FILE, "{}: {}", path, why);
  if (got < 4 || magic[0] != 0 || magic[1] != 0)
    return error(DLC_INVALID_FILE, "{}: not an IDX file (bad magic number)", path);
  HostTensor tensor;
  if (!dtypeOfIdxType(magic[2], &tensor.dtype))
    return error(DLC_INVALID_FILE,
                 "{}: IDX element type 0x{:02x} is not supported (0x08 ubyte, 0x0C int, "
                 "0x0D float, 0x0E double are)",
                 path, magic[2]);
  if (magic[3] > kMaxRank)
    return error(DLC_INVALID_FILE, "{}: {} dimensions exceed the limit of {}", path, magic[3],
                 kMaxRank);
  tensor.shape.rank = magic[3];
  uint8_t dims[4 * kMaxRank];
  const int64_t dimBytes = 4 * tensor.shape.rank;
  if (readFully(file, dims, static_cast<uint64_t>(dimBytes), &why) != dimBytes)
    return error(DLC_INVALID_FILE, "{}: truncated IDX header{}{}", path, why.empty() ? "" : ": ",
                 why);
  bool empty = false;
  for (int i = 0; i < tensor.shape.rank; ++i) {
    const uint8_t *p = dims + 4 * i;
    tensor.shape.dims[i] = uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
    empty = empty || tensor.shape.dims[i] == 0;
  }
  // Factors are below 2^32 and the product stops growing past the limit.
  unsigned __int128 total = dtypeSize(tensor.dtype);
  for (int i = 0; i < tensor.shape.rank && !empty; ++i) {
    total *= static_cast<uint64_t>(tensor.shape.dims[i]);
    if (total > kMaxIdxBytes)
      return error(DLC_INVALID_FILE, "{}: {} is larger than {} bytes", path,
                   describe(tensor.dtype, tensor.shape), kMaxIdxBytes);
  }
  const uint64_t expected = empty ? 0 : static_cast<uint64_t>(total);

  // Read into a buffer that doubles as data arrives, so memory follows the
  // data actually there, up to one byte more than expected to see whether
  // the data ends where it should.
  uint64_t read = 0, capacity = std::min<uint64_t>(expected + 1, 1 << 16);
  for (;;) {
    tensor.bytes.resize(capacity);
    const int64_t n = readFully(file, tensor.bytes.data() + read, capacity - read, &why);
    if (n < 0)
      return error(DLC_INVALID_FILE, "{}: {}", path, why);
    read += static_cast<uint64_t>(n);
    if (read < capacity || capacity == expected + 1)
      break;
    capacity = std::min(expected + 1, capacity * 2);
  }
  if (read != expected)
    return error(DLC_INVALID_FILE,
                 "{}: {} needs {} bytes of data after the header; the file has {}", path,
                 describe(tensor.dtype, tensor.shape), expected,
                 read > expected ? "more" : std::to_string(read));
  tensor.bytes.resize(expected);
  swapBytes(tensor.bytes, dtypeSize(tensor.dtype));
  *out = std::move(tensor);
  return okStatus();
}

} // namespace dlc::rt
