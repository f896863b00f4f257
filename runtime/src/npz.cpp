// .npz: a zip archive of .npy files (numpy.savez, numpy.savez_compressed).
// Entries are found through the central directory (zip64 too: NumPy writes
// zip64 records); stored entries are copied, deflated ones inflated with
// zlib, and every entry's CRC-32 is checked.
#include "file_io.h"
#include "npy.h"

#include <zlib.h>

#include <cstring>

namespace dlc::rt {

namespace {

constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr uint32_t kLocalSignature = 0x04034b50;
constexpr size_t kEndSize = 22, kZip64EndSize = 56, kZip64LocatorSize = 20;
constexpr size_t kCentralSize = 46, kLocalSize = 30;
constexpr uint64_t kMaxArchiveBytes = uint64_t(1) << 40;
// Deflate cannot expand data more than about 1032 times.
constexpr uint64_t kMaxDeflateRatio = 1100;

/// Bounds-checked little-endian reads from the archive's bytes.
class ZipReader {
public:
  ZipReader(const std::vector<uint8_t> &bytes, const std::string &path)
      : bytes_(bytes), path_(path) {}

  bool has(uint64_t offset, uint64_t size) const {
    return offset <= bytes_.size() && size <= bytes_.size() - offset;
  }
  uint64_t read(uint64_t offset, int size) const {
    uint64_t value = 0;
    for (int i = size - 1; i >= 0; --i)
      value = value << 8 | bytes_[offset + i];
    return value;
  }
  const uint8_t *at(uint64_t offset) const { return bytes_.data() + offset; }
  template <typename... Args>
  Status fail(fmt::format_string<Args...> format, Args &&...args) const {
    return Status(DLC_INVALID_FILE,
                  path_ + ": " + fmt::format(format, std::forward<Args>(args)...));
  }

private:
  const std::vector<uint8_t> &bytes_;
  const std::string &path_;
};

struct Directory {
  uint64_t offset = 0;
  uint64_t entries = 0;
};

Status findDirectory(const ZipReader &zip, size_t size, Directory *out) {
  if (size < kEndSize)
    return zip.fail("not a zip archive (too short)");
  // The end record sits before a comment of at most 65535 bytes.
  const size_t lowest = size - kEndSize > 65535 ? size - kEndSize - 65535 : 0;
  for (size_t end = size - kEndSize + 1; end-- > lowest;) {
    if (zip.read(end, 4) != kEndSignature)
      continue;
    out->entries = zip.read(end + 10, 2);
    out->offset = zip.read(end + 16, 4);
    if (out->entries != 0xFFFF && out->offset != 0xFFFFFFFF)
      return okStatus();
    // Zip64: a locator just before the end record points to the zip64 end.
    if (end < kZip64LocatorSize || zip.read(end - kZip64LocatorSize, 4) != kZip64LocatorSignature)
      return zip.fail("zip64 archive without a zip64 end locator");
    const uint64_t end64 = zip.read(end - kZip64LocatorSize + 8, 8);
    if (!zip.has(end64, kZip64EndSize) || zip.read(end64, 4) != kZip64EndSignature)
      return zip.fail("damaged zip64 end record");
    out->entries = zip.read(end64 + 32, 8);
    out->offset = zip.read(end64 + 48, 8);
    return okStatus();
  }
  return zip.fail("not a zip archive (no end of central directory record)");
}

struct Entry {
  std::string name;
  uint32_t flags = 0, method = 0, crc = 0;
  uint64_t compressedSize = 0, size = 0, localOffset = 0;
};

/// Reads the central directory entry at `offset`; sets `next` past it.
Status readEntry(const ZipReader &zip, uint64_t offset, Entry *entry, uint64_t *next) {
  if (!zip.has(offset, kCentralSize) || zip.read(offset, 4) != kCentralSignature)
    return zip.fail("damaged central directory at byte {}", offset);
  entry->flags = static_cast<uint32_t>(zip.read(offset + 8, 2));
  entry->method = static_cast<uint32_t>(zip.read(offset + 10, 2));
  entry->crc = static_cast<uint32_t>(zip.read(offset + 16, 4));
  entry->compressedSize = zip.read(offset + 20, 4);
  entry->size = zip.read(offset + 24, 4);
  const uint64_t nameLength = zip.read(offset + 28, 2);
  const uint64_t extraLength = zip.read(offset + 30, 2);
  const uint64_t commentLength = zip.read(offset + 32, 2);
  entry->localOffset = zip.read(offset + 42, 4);
  const uint64_t nameAt = offset + kCentralSize, extraAt = nameAt + nameLength;
  if (!zip.has(nameAt, nameLength + extraLength + commentLength))
    return zip.fail("damaged central directory at byte {}", offset);
  entry->name.assign(reinterpret_cast<const char *>(zip.at(nameAt)), nameLength);
  *next = extraAt + extraLength + commentLength;

  // Zip64 extra field (id 1): 64-bit values for the fields that are 0xFFFFFFFF.
  for (uint64_t field = extraAt; field + 4 <= extraAt + extraLength;) {
    const uint64_t id = zip.read(field, 2), length = zip.read(field + 2, 2);
    if (field + 4 + length > extraAt + extraLength)
      return zip.fail("entry '{}': damaged extra field", entry->name);
    if (id == 1) {
      uint64_t at = field + 4;
      for (uint64_t *value : {&entry->size, &entry->compressedSize, &entry->localOffset}) {
        if (*value != 0xFFFFFFFF)
          continue;
        if (at + 8 > field + 4 + length)
          return zip.fail("entry '{}': damaged zip64 extra field", entry->name);
        *value = zip.read(at, 8);
        at += 8;
      }
    }
    field += 4 + length;
  }
  return okStatus();
}

Status inflateEntry(const ZipReader &zip, const Entry &entry, const uint8_t *data,
                    std::vector<uint8_t> *out) {
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK)
    return error(DLC_INTERNAL, "zlib inflateInit2 failed");
  out->resize(entry.size);
  // zlib counts in uInt: feed and drain at most 1 GiB at a time.
  constexpr uint64_t kStep = uint64_t(1) << 30;
  uint64_t consumed = 0, produced = 0;
  int result = Z_OK;
  while (result == Z_OK) {
    stream.next_in = const_cast<Bytef *>(data + consumed);
    stream.avail_in = static_cast<uInt>(std::min(kStep, entry.compressedSize - consumed));
    stream.next_out = out->data() + produced;
    stream.avail_out = static_cast<uInt>(std::min(kStep, entry.size - produced));
    const uInt inBefore = stream.avail_in, outBefore = stream.avail_out;
    result = inflate(&stream, Z_NO_FLUSH);
    consumed += inBefore - stream.avail_in;
    produced += outBefore - stream.avail_out;
    if (result == Z_OK && inBefore == stream.avail_in && outBefore == stream.avail_out)
      result = Z_BUF_ERROR; // no progress: input or output exhausted
  }
  inflateEnd(&stream);
  if (result != Z_STREAM_END || produced != entry.size)
    return zip.fail("entry '{}': deflate data is damaged or does not match its size {}", entry.name,
                    entry.size);
  return okStatus();
}

Status extractEntry(const ZipReader &zip, const Entry &entry, std::vector<uint8_t> *out) {
  if (entry.flags & 1)
    return zip.fail("entry '{}' is encrypted", entry.name);
  if (!zip.has(entry.localOffset, kLocalSize) || zip.read(entry.localOffset, 4) != kLocalSignature)
    return zip.fail("entry '{}': damaged local header", entry.name);
  const uint64_t dataAt = entry.localOffset + kLocalSize + zip.read(entry.localOffset + 26, 2) +
                          zip.read(entry.localOffset + 28, 2);
  if (!zip.has(dataAt, entry.compressedSize))
    return zip.fail("entry '{}': {} bytes of data at byte {} lie past the end of the archive",
                    entry.name, entry.compressedSize, dataAt);
  const uint8_t *data = zip.at(dataAt);
  if (entry.method == 0) {
    if (entry.compressedSize != entry.size)
      return zip.fail("entry '{}': stored sizes {} and {} differ", entry.name, entry.compressedSize,
                      entry.size);
    out->assign(data, data + entry.size);
  } else if (entry.method == 8) {
    if (entry.size > entry.compressedSize * kMaxDeflateRatio + 1024)
      return zip.fail("entry '{}': {} bytes cannot inflate to {}", entry.name, entry.compressedSize,
                      entry.size);
    DLC_RETURN_IF_ERROR(inflateEntry(zip, entry, data, out));
  } else {
    return zip.fail("entry '{}': compression method {} is not supported (stored and deflate are)",
                    entry.name, entry.method);
  }
  uLong crc = crc32(0L, Z_NULL, 0);
  constexpr size_t kStep = size_t(1) << 30;
  for (size_t done = 0; done < out->size(); done += kStep)
    crc = crc32(crc, out->data() + done, static_cast<uInt>(std::min(kStep, out->size() - done)));
  if (crc != entry.crc)
    return zip.fail("entry '{}': CRC-32 mismatch (damaged data)", entry.name);
  return okStatus();
}

} // namespace

Status readNpz(const std::string &path, std::vector<NamedHostTensor> *out) {
  std::vector<uint8_t> bytes;
  DLC_RETURN_IF_ERROR(readFile(path, kMaxArchiveBytes, &bytes));
  const ZipReader zip(bytes, path);
  Directory directory;
  DLC_RETURN_IF_ERROR(findDirectory(zip, bytes.size(), &directory));
  // Each entry takes at least kCentralSize bytes: a count beyond that is a lie.
  if (directory.entries > bytes.size() / kCentralSize)
    return zip.fail("central directory claims {} entries", directory.entries);
  std::vector<NamedHostTensor> tensors;
  uint64_t offset = directory.offset;
  for (uint64_t i = 0; i < directory.entries; ++i) {
    Entry entry;
    DLC_RETURN_IF_ERROR(readEntry(zip, offset, &entry, &offset));
    if (!entry.name.empty() && entry.name.back() == '/')
      continue; // a directory
    const std::string suffix = ".npy";
    if (entry.name.size() <= suffix.size() ||
        entry.name.compare(entry.name.size() - suffix.size(), suffix.size(), suffix) != 0)
      return zip.fail("entry '{}' is not a .npy file", entry.name);
    std::vector<uint8_t> data;
    DLC_RETURN_IF_ERROR(extractEntry(zip, entry, &data));
    NamedHostTensor named;
    named.name = entry.name.substr(0, entry.name.size() - suffix.size());
    DLC_RETURN_IF_ERROR(parseNpy(data.data(), data.size(), path + ":" + entry.name, &named.tensor));
    tensors.push_back(std::move(named));
  }
  *out = std::move(tensors);
  return okStatus();
}

} // namespace dlc::rt
