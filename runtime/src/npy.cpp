#include "npy.h"

#include "file_io.h"

#include <cstring>
#include <optional>
#include <string_view>

namespace dlc::rt {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;
// Files larger than this are surely not meant for a model's inputs.
constexpr uint64_t kMaxNpyBytes = uint64_t(1) << 40;

struct NpyDtype {
  const char *descr;
  fb::DType dtype;
};

constexpr NpyDtype kDtypes[] = {
    {"<f4", fb::DType::F32}, {"<f8", fb::DType::F64}, {"<f2", fb::DType::F16},
    {"<i8", fb::DType::I64}, {"<i4", fb::DType::I32}, {"|u1", fb::DType::U8},
    {"<u1", fb::DType::U8},  {"|b1", fb::DType::I1},
};

/// The header dictionary, e.g. {'descr': '<f4', 'fortran_order': False,
/// 'shape': (2, 3), }: a Python literal with string keys and string, bool or
/// integer-tuple values.
class HeaderParser {
public:
  HeaderParser(std::string_view text, const std::string &name) : text_(text), name_(name) {}

  Status parse(std::string *descr, bool *fortranOrder, Shape *shape) {
    bool haveDescr = false, haveOrder = false, haveShape = false;
    skipSpace();
    if (!consume('{'))
      return fail("expected '{' at the start");
    for (;;) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      DLC_RETURN_IF_ERROR(parseString(&key));
      skipSpace();
      if (!consume(':'))
        return fail("expected ':' after '" + key + "'");
      skipSpace();
      if (key == "descr") {
        if (peek() == '[')
          return fail("structured dtypes are not supported");
        DLC_RETURN_IF_ERROR(parseString(descr));
        haveDescr = true;
      } else if (key == "fortran_order") {
        DLC_RETURN_IF_ERROR(parseBool(fortranOrder));
        haveOrder = true;
      } else if (key == "shape") {
        DLC_RETURN_IF_ERROR(parseShape(shape));
        haveShape = true;
      } else {
        return fail("unexpected key '" + key + "'");
      }
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume('}'))
        break;
      return fail("expected ',' or '}'");
    }
    skipSpace();
    if (pos_ != text_.size())
      return fail("unexpected text after the dictionary");
    if (!haveDescr || !haveOrder || !haveShape)
      return error(DLC_INVALID_FILE,
                   "{}: bad .npy header: the header needs 'descr', 'fortran_order' and 'shape'",
                   name_);
    return okStatus();
  }

private:
  Status fail(const std::string &what) const {
    return error(DLC_INVALID_FILE, "{}: bad .npy header: {} (at character {})", name_, what, pos_);
  }
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool consume(char ch) {
    if (pos_ >= text_.size() || text_[pos_] != ch)
      return false;
    ++pos_;
    return true;
  }
  bool consumeWord(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word)
      return false;
    pos_ += word.size();
    return true;
  }
  void skipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  Status parseString(std::string *out) {
    const char quote = peek();
    if (quote != '\'' && quote != '"')
      return fail("expected a quoted string");
    ++pos_;
    const size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos)
      return fail("unterminated string");
    *out = std::string(text_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return okStatus();
  }
  Status parseBool(bool *out) {
    if (consumeWord("True"))
      *out = true;
    else if (consumeWord("False"))
      *out = false;
    else
      return fail("expected True or False");
    return okStatus();
  }
  Status parseShape(Shape *shape) {
    if (!consume('('))
      return fail("expected '(' for the shape");
    shape->rank = 0;
    for (;;) {
      skipSpace();
      if (consume(')'))
        return okStatus();
      if (peek() < '0' || peek() > '9')
        return fail("expected a dimension");
      uint64_t dim = 0;
      while (peek() >= '0' && peek() <= '9') {
        dim = dim * 10 + static_cast<uint64_t>(peek() - '0');
        if (dim > kMaxNpyBytes)
          return fail("dimension too large");
        ++pos_;
      }
      consume('L'); // Python 2 wrote long integers with a suffix
      if (shape->rank == kMaxRank)
        return fail(fmt::format("rank exceeds the limit of {}", kMaxRank));
      shape->dims[shape->rank++] = static_cast<int64_t>(dim);
      skipSpace();
      if (consume(')'))
        return okStatus();
      if (!consume(','))
        return fail("expected ',' or ')' in the shape");
    }
  }

  std::string_view text_;
  const std::string &name_;
  size_t pos_ = 0;
};

uint32_t readLittle(const uint8_t *p, int bytes) {
  uint32_t value = 0;
  for (int i = bytes - 1; i >= 0; --i)
    value = value << 8 | p[i];
  return value;
}

std::string supportedDtypes() {
  std::string list;
  for (const NpyDtype &d : kDtypes)
    list += (list.empty() ? "" : " ") + std::string(d.descr);
  return list;
}

const char *npyDescr(fb::DType dtype) {
  for (const NpyDtype &d : kDtypes)
    if (d.dtype == dtype)
      return d.descr;
  return nullptr;
}

} // namespace

Status parseNpy(const uint8_t *data, size_t size, const std::string &name, HostTensor *out) {
  if (size < kMagicSize + 4 || std::memcmp(data, kMagic, kMagicSize) != 0)
    return error(DLC_INVALID_FILE, "{}: not a .npy file (no \\x93NUMPY magic)", name);
  const int major = data[6], minor = data[7];
  if (major < 1 || major > 3 || minor != 0)
    return error(DLC_INVALID_FILE,
                 "{}: .npy format version {}.{} is not supported (1.0, 2.0, 3.0 are)", name, major,
                 minor);
  const size_t lengthBytes = major == 1 ? 2 : 4;
  if (size < kMagicSize + 2 + lengthBytes)
    return error(DLC_INVALID_FILE, "{}: truncated .npy header", name);
  const size_t headerLength = readLittle(data + 8, static_cast<int>(lengthBytes));
  const size_t headerStart = kMagicSize + 2 + lengthBytes;
  if (headerLength > size - headerStart)
    return error(DLC_INVALID_FILE, "{}: truncated .npy header: {} bytes announced, {} present",
                 name, headerLength, size - headerStart);
  const std::string_view header(reinterpret_cast<const char *>(data + headerStart), headerLength);

  std::string descr;
  bool fortranOrder = false;
  HostTensor tensor;
  DLC_RETURN_IF_ERROR(HeaderParser(header, name).parse(&descr, &fortranOrder, &tensor.shape));
  bool known = false;
  for (const NpyDtype &d : kDtypes) {
    if (descr == d.descr) {
      tensor.dtype = d.dtype;
      known = true;
    }
  }
  if (!known) {
    const bool bigEndian = !descr.empty() && descr[0] == '>';
    return error(DLC_INVALID_FILE, "{}: dtype '{}' is not supported{}; supported: {}", name, descr,
                 bigEndian ? " (big-endian)" : "", supportedDtypes());
  }
  if (fortranOrder && tensor.shape.rank > 1)
    return error(DLC_INVALID_FILE,
                 "{}: Fortran-order arrays are not supported; save a C-order copy "
                 "(numpy.ascontiguousarray)",
                 name);

  unsigned __int128 expected = dtypeSize(tensor.dtype);
  for (int i = 0; i < tensor.shape.rank && expected != 0; ++i) {
    expected *= static_cast<uint64_t>(tensor.shape.dims[i]);
    if (expected > kMaxNpyBytes)
      return error(DLC_INVALID_FILE, "{}: {} is too large", name,
                   describe(tensor.dtype, tensor.shape));
  }
  const size_t available = size - headerStart - headerLength;
  if (available != expected)
    return error(DLC_INVALID_FILE, "{}: {} needs {} bytes of data; the file has {}{}", name,
                 describe(tensor.dtype, tensor.shape), static_cast<uint64_t>(expected), available,
                 available < expected ? " (truncated)" : "");
  const uint8_t *payload = data + headerStart + headerLength;
  if (tensor.dtype == fb::DType::I1) {
    for (size_t i = 0; i < available; ++i)
      if (payload[i] > 1)
        return error(DLC_INVALID_FILE, "{}: boolean element {} is {}, not 0 or 1", name, i,
                     payload[i]);
  }
  tensor.bytes.assign(payload, payload + available);
  *out = std::move(tensor);
  return okStatus();
}

Status readNpy(const std::string &path, HostTensor *out) {
  std::vector<uint8_t> bytes;
  DLC_RETURN_IF_ERROR(readFile(path, kMaxNpyBytes, &bytes));
  return parseNpy(bytes.data(), bytes.size(), path, out);
}

Status encodeNpy(const HostTensor &tensor, std::vector<uint8_t> *out) {
  const char *descr = npyDescr(tensor.dtype);
  if (!descr)
    return error(DLC_INVALID_ARGUMENT, "{} has no NumPy dtype",
                 describe(tensor.dtype, tensor.shape));
  const size_t expected = static_cast<size_t>(tensor.shape.elements()) * dtypeSize(tensor.dtype);
  if (tensor.bytes.size() != expected)
    return error(DLC_INVALID_ARGUMENT, "{} needs {} bytes; got {}",
                 describe(tensor.dtype, tensor.shape), expected, tensor.bytes.size());
  // Python tuple syntax: (), (3,), (2, 3).
  std::string shape = "(";
  for (int i = 0; i < tensor.shape.rank; ++i)
    shape += fmt::format("{}{}", i ? ", " : "", tensor.shape.dims[i]);
  shape += tensor.shape.rank == 1 ? ",)" : ")";
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, shape);
  // Pad with spaces so that the data starts at a multiple of 64, as NumPy does.
  const size_t preamble = kMagicSize + 2 + 2;
  header.append(63 - (preamble + header.size()) % 64, ' ');
  header += '\n';
  std::string prefix(kMagic, kMagicSize);
  prefix += '\x01'; // version 1.0
  prefix += '\x00';
  prefix += static_cast<char>(header.size() & 0xFF);
  prefix += static_cast<char>(header.size() >> 8);
  prefix += header;
  out->resize(prefix.size() + tensor.bytes.size());
  std::memcpy(out->data(), prefix.data(), prefix.size());
  if (!tensor.bytes.empty())
    std::memcpy(out->data() + prefix.size(), tensor.bytes.data(), tensor.bytes.size());
  return okStatus();
}

Status writeNpy(const std::string &path, const HostTensor &tensor) {
  std::vector<uint8_t> bytes;
  DLC_RETURN_IF_ERROR(encodeNpy(tensor, &bytes));
  return writeFileAtomically(path, {{bytes.data(), bytes.size()}});
}

} // namespace dlc::rt
