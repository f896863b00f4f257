#include "safetensors.h"

#include "file_io.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace dlc::rt {

namespace {

using nlohmann::json;

// The reference implementation's limit on the header.
constexpr uint64_t kMaxHeaderBytes = 100 << 20;
constexpr uint64_t kMaxFileBytes = uint64_t(1) << 40;

struct SafetensorsDtype {
  const char *name;
  fb::DType dtype;
};

constexpr SafetensorsDtype kDtypes[] = {
    {"F32", fb::DType::F32},   {"F64", fb::DType::F64}, {"F16", fb::DType::F16},
    {"BF16", fb::DType::BF16}, {"I64", fb::DType::I64}, {"I32", fb::DType::I32},
    {"U8", fb::DType::U8},     {"BOOL", fb::DType::I1},
};

const char *safetensorsName(fb::DType dtype) {
  for (const SafetensorsDtype &d : kDtypes)
    if (d.dtype == dtype)
      return d.name;
  return "?";
}

bool readUnsigned(const json &value, uint64_t *out) {
  if (!value.is_number_unsigned())
    return false;
  *out = value.get<uint64_t>();
  return true;
}

struct Span {
  uint64_t begin, end;
  size_t tensor;
};

} // namespace

Status writeSafetensors(const std::string &path, const std::vector<SafetensorsTensor> &tensors,
                        const std::map<std::string, std::string> &metadata) {
  json header = json::object();
  if (!metadata.empty())
    header["__metadata__"] = metadata;
  uint64_t offset = 0;
  std::vector<ByteSpan> chunks(1);
  for (const SafetensorsTensor &t : tensors) {
    const uint64_t bytes = static_cast<uint64_t>(t.shape.elements()) * dtypeSize(t.dtype);
    json shape = json::array();
    for (int i = 0; i < t.shape.rank; ++i)
      shape.push_back(t.shape.dims[i]);
    header[t.name] = {{"dtype", safetensorsName(t.dtype)},
                      {"shape", shape},
                      {"data_offsets", {offset, offset + bytes}}};
    chunks.push_back({t.data, static_cast<size_t>(bytes)});
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception &e) {
    return error(DLC_INVALID_ARGUMENT, "cannot save {}: a name is not valid UTF-8 ({})", path,
                 e.what());
  }
  // Pad with spaces so that the data starts 8-byte aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  uint8_t length[8];
  for (int i = 0; i < 8; ++i)
    length[i] = static_cast<uint8_t>(uint64_t(text.size()) >> (8 * i));
  std::vector<ByteSpan> all = {{length, sizeof length}, {text.data(), text.size()}};
  all.insert(all.end(), chunks.begin() + 1, chunks.end());
  return writeFileAtomically(path, all);
}

Status readSafetensors(const std::string &path, SafetensorsFile *out) {
  SafetensorsFile file;
  DLC_RETURN_IF_ERROR(readFile(path, kMaxFileBytes, &file.bytes));
  auto invalid = [&](const std::string &what) {
    return error(DLC_INVALID_FILE, "{}: not a valid safetensors file: {}", path, what);
  };
  const std::vector<uint8_t> &bytes = file.bytes;
  if (bytes.size() < 8)
    return invalid(fmt::format("{} bytes are too few for the header length", bytes.size()));
  uint64_t headerLength = 0;
  for (int i = 7; i >= 0; --i)
    headerLength = headerLength << 8 | bytes[i];
  if (headerLength > kMaxHeaderBytes || headerLength > bytes.size() - 8)
    return invalid(fmt::format("header length {} exceeds the file ({} bytes) or the limit ({})",
                               headerLength, bytes.size(), kMaxHeaderBytes));
  const auto *headerBegin = reinterpret_cast<const char *>(bytes.data() + 8);
  const json header = json::parse(headerBegin, headerBegin + headerLength, nullptr, false);
  if (header.is_discarded() || !header.is_object())
    return invalid("the header is not a JSON object");
  const uint64_t dataStart = 8 + headerLength;
  const uint64_t dataSize = bytes.size() - dataStart;

  std::vector<Span> spans;
  for (const auto &[name, value] : header.items()) {
    if (name == "__metadata__") {
      if (!value.is_object())
        return invalid("__metadata__ is not an object");
      for (const auto &[key, text] : value.items()) {
        if (!text.is_string())
          return invalid(fmt::format("__metadata__ value '{}' is not a string", key));
        file.metadata[key] = text.get<std::string>();
      }
      continue;
    }
    const std::string label = fmt::format("tensor '{}'", name);
    if (!value.is_object() || !value.contains("dtype") || !value.contains("shape") ||
        !value.contains("data_offsets"))
      return invalid(label + " needs dtype, shape and data_offsets");
    SafetensorsTensor tensor;
    tensor.name = name;
    const json &dtype = value["dtype"];
    bool known = false;
    for (const SafetensorsDtype &d : kDtypes) {
      if (dtype.is_string() && dtype.get<std::string>() == d.name) {
        tensor.dtype = d.dtype;
        known = true;
      }
    }
    if (!known)
      return invalid(fmt::format("{} has dtype {}, which dlc does not have", label, dtype.dump()));
    const json &shape = value["shape"];
    if (!shape.is_array() || shape.size() > static_cast<size_t>(kMaxRank))
      return invalid(fmt::format("{}: shape is not an array of at most {} sizes", label, kMaxRank));
    tensor.shape.rank = static_cast<int>(shape.size());
    unsigned __int128 size = dtypeSize(tensor.dtype);
    for (size_t i = 0; i < shape.size(); ++i) {
      uint64_t dim = 0;
      if (!readUnsigned(shape[i], &dim) || dim > kMaxFileBytes)
        return invalid(fmt::format("{}: shape {} is not a list of sizes", label, shape.dump()));
      tensor.shape.dims[i] = static_cast<int64_t>(dim);
      size = std::min<unsigned __int128>(size * dim, kMaxFileBytes + 1);
    }
    const json &offsets = value["data_offsets"];
    uint64_t begin = 0, end = 0;
    if (!offsets.is_array() || offsets.size() != 2 || !readUnsigned(offsets[0], &begin) ||
        !readUnsigned(offsets[1], &end) || begin > end || end > dataSize)
      return invalid(fmt::format("{}: data_offsets {} are not [begin, end] within the {} bytes of "
                                 "data",
                                 label, offsets.dump(), dataSize));
    if (end - begin != size)
      return invalid(fmt::format("{}: {} needs {} bytes; data_offsets give {}", label,
                                 describe(tensor.dtype, tensor.shape), static_cast<uint64_t>(size),
                                 end - begin));
    tensor.data = bytes.data() + dataStart + begin;
    if (end > begin)
      spans.push_back({begin, end, file.tensors.size()});
    file.tensors.push_back(std::move(tensor));
  }
  std::sort(spans.begin(), spans.end(),
            [](const Span &a, const Span &b) { return a.begin < b.begin; });
  for (size_t i = 1; i < spans.size(); ++i)
    if (spans[i - 1].end > spans[i].begin)
      return invalid(fmt::format("tensors '{}' and '{}' overlap",
                                 file.tensors[spans[i - 1].tensor].name,
                                 file.tensors[spans[i].tensor].name));
  *out = std::move(file);
  return okStatus();
}

} // namespace dlc::rt
