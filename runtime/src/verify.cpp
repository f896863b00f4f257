#include "verify.h"

#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cmath>
#include <string_view>
#include <unordered_set>

namespace dlc::rt {

namespace {

// Deep enough for the schema (five levels of tables), small enough to stop
// a hostile file's recursion; the table budget bounds the verifier's work
// (and so ours) even when tables are shared through repeated offsets.
constexpr flatbuffers::uoffset_t kMaxDepth = 64;
constexpr flatbuffers::uoffset_t kMaxTables = 1u << 22;

template <typename... Args>
Status invalid(const std::string &file, fmt::format_string<Args...> format, Args &&...args) {
  return Status(DLC_INVALID_FILE, file + ": " + fmt::format(format, std::forward<Args>(args)...));
}

std::string_view view(const flatbuffers::String *s) {
  return s ? std::string_view(s->c_str(), s->size()) : std::string_view();
}

template <typename T> size_t count(const flatbuffers::Vector<T> *v) { return v ? v->size() : 0; }

std::string bufferLabel(const fb::Executable &exe, uint32_t index) {
  return fmt::format("buffer {} '{}'", index, printable(view(exe.buffers()->Get(index)->name())));
}

std::string entryLabel(const fb::EntryPoint &entry) {
  return fmt::format("entry point '{}'", printable(view(entry.name())));
}

fb::Region regionOfRole(fb::Role role) {
  switch (role) {
  case fb::Role::Parameter:
  case fb::Role::State:
  case fb::Role::OptimizerState:
    return fb::Region::Persistent;
  case fb::Role::Constant:
    return fb::Region::Constants;
  case fb::Role::Input:
  case fb::Role::Output:
  case fb::Role::Temporary:
    break;
  }
  return fb::Region::Arena;
}

Status checkRegions(const FileCheck &c) {
  const fb::Executable &exe = c.exe;
  if (exe.persistent_size() > kMaxRegionBytes)
    return invalid(c.file, "persistent region of {} bytes exceeds the limit of {} bytes",
                   exe.persistent_size(), kMaxRegionBytes);
  for (uint32_t e = 0; e < count(exe.entry_points()); ++e) {
    const fb::EntryPoint &entry = *exe.entry_points()->Get(e);
    if (entry.arena_size() > kMaxRegionBytes)
      return invalid(c.file, "{}: arena of {} bytes exceeds the limit of {} bytes",
                     entryLabel(entry), entry.arena_size(), kMaxRegionBytes);
  }
  return okStatus();
}

// A non-empty span of one region, for overlap checks.
struct Extent {
  uint64_t offset;
  uint64_t size;
  uint32_t buffer;
};

/// The first pair of `extents` that overlap, if any (sorts them).
bool findOverlap(std::vector<Extent> &extents, Extent *first, Extent *second) {
  std::sort(extents.begin(), extents.end(),
            [](const Extent &a, const Extent &b) { return a.offset < b.offset; });
  for (size_t i = 1; i < extents.size(); ++i) {
    if (extents[i - 1].offset + extents[i - 1].size > extents[i].offset) {
      *first = extents[i - 1];
      *second = extents[i];
      return true;
    }
  }
  return false;
}

Status checkBuffers(FileCheck &c) {
  const fb::Executable &exe = c.exe;
  const size_t numEntries = count(exe.entry_points());
  const uint64_t constantsSize = count(exe.constants());
  std::vector<Extent> persistent;
  std::unordered_set<std::string_view> persistentNames;
  c.shapes.assign(count(exe.buffers()), Shape());
  for (uint32_t i = 0; i < count(exe.buffers()); ++i) {
    const fb::Buffer &b = *exe.buffers()->Get(i);
    const std::string label = bufferLabel(exe, i);
    std::string_view name = view(b.name());
    if (name.find('\0') != std::string_view::npos)
      return invalid(c.file, "{}: name contains a NUL byte", label);
    if (!validEnum(b.dtype()))
      return invalid(c.file, "{}: unknown dtype {}", label, static_cast<int>(b.dtype()));
    if (!validEnum(b.role()))
      return invalid(c.file, "{}: unknown role {}", label, static_cast<int>(b.role()));
    if (!validEnum(b.region()))
      return invalid(c.file, "{}: unknown region {}", label, static_cast<int>(b.region()));
    std::string why;
    if (!readShape(b.shape(), &c.shapes[i], &why))
      return invalid(c.file, "{}: {}", label, why);
    const Shape &shape = c.shapes[i];
    const uint64_t bytes = static_cast<uint64_t>(shape.elements()) * dtypeSize(b.dtype());
    if (b.size() != bytes)
      return invalid(c.file, "{}: {} is {} bytes, but the buffer's size is {}", label,
                     describe(b.dtype(), shape), bytes, b.size());
    const fb::Region expected = regionOfRole(b.role());
    if (b.region() != expected)
      return invalid(c.file, "{}: a buffer with role {} belongs in the {} region, not {}", label,
                     fb::EnumNameRole(b.role()), fb::EnumNameRegion(expected),
                     fb::EnumNameRegion(b.region()));
    if (name.empty() && b.role() != fb::Role::Temporary && b.role() != fb::Role::Constant)
      return invalid(c.file, "{}: a buffer with role {} needs a name", label,
                     fb::EnumNameRole(b.role()));
    if (b.offset() % dtypeSize(b.dtype()) != 0)
      return invalid(c.file, "{}: offset {} is not a multiple of the {} element size {}", label,
                     b.offset(), dtypeName(b.dtype()), dtypeSize(b.dtype()));

    uint64_t regionSize = 0;
    std::string regionName;
    switch (b.region()) {
    case fb::Region::Persistent:
      regionSize = exe.persistent_size();
      regionName = "the persistent region";
      break;
    case fb::Region::Constants:
      regionSize = constantsSize;
      regionName = "the constants";
      break;
    case fb::Region::Arena:
      if (b.entry_point() < 0 || static_cast<size_t>(b.entry_point()) >= numEntries)
        return invalid(c.file, "{}: entry point {} does not exist (the file has {})", label,
                       b.entry_point(), numEntries);
      const fb::EntryPoint &entry = *exe.entry_points()->Get(b.entry_point());
      regionSize = entry.arena_size();
      regionName = "the arena of " + entryLabel(entry);
      break;
    }
    if (b.offset() > regionSize || b.size() > regionSize - b.offset())
      return invalid(c.file, "{}: bytes [{}, {}) lie outside {} ({} bytes)", label, b.offset(),
                     static_cast<unsigned __int128>(b.offset()) + b.size() > UINT64_MAX
                         ? std::string("overflow")
                         : std::to_string(b.offset() + b.size()),
                     regionName, regionSize);

    if (b.region() == fb::Region::Persistent) {
      if (!persistentNames.insert(name).second)
        return invalid(c.file, "{}: another persistent buffer has the same name", label);
      if (b.size() > 0)
        persistent.push_back({b.offset(), b.size(), i});
    }
  }
  Extent first{}, second{};
  if (findOverlap(persistent, &first, &second))
    return invalid(c.file, "{} and {} overlap in the persistent region",
                   bufferLabel(exe, first.buffer), bufferLabel(exe, second.buffer));
  return okStatus();
}

Status checkFill(const std::string &file, const std::string &label, fb::DType dtype, double value) {
  if (isFloat(dtype))
    return okStatus();
  double low = 0, high = 0;
  switch (dtype) {
  case fb::DType::I64:
    low = -9223372036854775808.0;
    high = 9223372036854775807.0;
    break;
  case fb::DType::I32:
    low = -2147483648.0;
    high = 2147483647.0;
    break;
  case fb::DType::U8:
    high = 255;
    break;
  default:
    high = 1;
    break;
  }
  // `value < high` for i64: 2^63 - 1 rounds up to 2^63 as a double.
  const bool inRange =
      dtype == fb::DType::I64 ? value >= low && value < high : value >= low && value <= high;
  if (!(inRange && std::trunc(value) == value))
    return invalid(file, "{}: fill value {} is not a {} value", label, value, dtypeName(dtype));
  return okStatus();
}

Status checkInitializers(const FileCheck &c) {
  const fb::Executable &exe = c.exe;
  const size_t numBuffers = count(exe.buffers());
  std::vector<bool> initialized(numBuffers, false);
  for (uint32_t k = 0; k < count(exe.initializers()); ++k) {
    const fb::Initializer &init = *exe.initializers()->Get(k);
    if (init.buffer() >= numBuffers)
      return invalid(c.file, "initializer {}: buffer {} does not exist (the file has {})", k,
                     init.buffer(), numBuffers);
    const fb::Buffer &b = *exe.buffers()->Get(init.buffer());
    const std::string label =
        fmt::format("initializer {} of {}", k, bufferLabel(exe, init.buffer()));
    if (b.region() != fb::Region::Persistent)
      return invalid(c.file, "{}: only persistent buffers have initializers; this one is {}", label,
                     fb::EnumNameRole(b.role()));
    if (initialized[init.buffer()])
      return invalid(c.file, "{}: the buffer has another initializer", label);
    initialized[init.buffer()] = true;
    if (!validEnum(init.kind()))
      return invalid(c.file, "{}: unknown kind {}", label, static_cast<int>(init.kind()));
    switch (init.kind()) {
    case fb::InitKind::Fill:
      DLC_RETURN_IF_ERROR(checkFill(c.file, label, b.dtype(), init.value()));
      break;
    case fb::InitKind::Uniform:
      if (!isFloat(b.dtype()))
        return invalid(c.file, "{}: uniform needs a floating-point dtype, not {}", label,
                       dtypeName(b.dtype()));
      if (!(std::isfinite(init.high() - init.low()) && init.low() < init.high()))
        return invalid(c.file, "{}: uniform bounds [{}, {}) need low < high, both finite", label,
                       init.low(), init.high());
      break;
    case fb::InitKind::Normal:
      if (!isFloat(b.dtype()))
        return invalid(c.file, "{}: normal needs a floating-point dtype, not {}", label,
                       dtypeName(b.dtype()));
      if (!(std::isfinite(init.mean()) && std::isfinite(init.stddev()) && init.stddev() >= 0))
        return invalid(c.file,
                       "{}: normal with mean {} and stddev {} needs finite values and "
                       "stddev >= 0",
                       label, init.mean(), init.stddev());
      break;
    case fb::InitKind::Data:
      if (count(init.data()) != b.size())
        return invalid(c.file, "{}: data has {} bytes; the buffer has {}", label,
                       count(init.data()), b.size());
      break;
    }
  }
  return okStatus();
}

Status checkKernels(const FileCheck &c) {
  const fb::Executable &exe = c.exe;
  for (uint32_t k = 0; k < count(exe.kernels()); ++k) {
    const fb::Kernel &kernel = *exe.kernels()->Get(k);
    const std::string label = fmt::format("kernel {} '{}'", k, printable(view(kernel.name())));
    if (kernel.compute_type() != fb::DType::F32 && kernel.compute_type() != fb::DType::F64)
      return invalid(c.file, "{}: compute type must be f32 or f64, not {}", label,
                     validEnum(kernel.compute_type()) ? dtypeName(kernel.compute_type()) : "?");
    Shape shape;
    std::string why;
    if (!readShape(kernel.shape(), &shape, &why))
      return invalid(c.file, "{}: {}", label, why);
    const size_t numValues = count(kernel.instructions());
    for (uint32_t i = 0; i < numValues; ++i) {
      const fb::Instruction &inst = *kernel.instructions()->Get(i);
      if (!validEnum(inst.opcode()))
        return invalid(c.file, "{} instruction {}: unknown opcode {}", label, i,
                       static_cast<int>(inst.opcode()));
      const char *opname = fb::EnumNameOpcode(inst.opcode());
      const size_t operands = count(inst.operands());
      if (operands != static_cast<size_t>(operandCount(inst.opcode())))
        return invalid(c.file, "{} instruction {} ({}): takes {} operands, has {}", label, i,
                       opname, operandCount(inst.opcode()), operands);
      for (uint32_t o = 0; o < operands; ++o)
        if (inst.operands()->Get(o) >= i)
          return invalid(c.file,
                         "{} instruction {} ({}): operand {} refers to value {}, which "
                         "is not defined before it",
                         label, i, opname, o, inst.operands()->Get(o));
      if (inst.opcode() == fb::Opcode::Load && inst.index() >= kernel.num_inputs())
        return invalid(c.file,
                       "{} instruction {} (Load): input {} does not exist (the kernel has "
                       "{})",
                       label, i, inst.index(), kernel.num_inputs());
      if (inst.opcode() == fb::Opcode::Cast && !validEnum(inst.dtype()))
        return invalid(c.file, "{} instruction {} (Cast): unknown dtype {}", label, i,
                       static_cast<int>(inst.dtype()));
    }
    DLC_RETURN_IF_ERROR(c.spend(count(kernel.results())));
    for (uint32_t r = 0; r < count(kernel.results()); ++r)
      if (kernel.results()->Get(r) >= numValues)
        return invalid(c.file, "{}: result {} refers to value {}; the kernel has {} values", label,
                       r, kernel.results()->Get(r), numValues);
  }
  return okStatus();
}

/// Inputs or outputs of an entry point: buffers of its arena with `role`,
/// names unique; inputs must not overlap (setting one must not change another).
Status checkSignature(const FileCheck &c, uint32_t e, const flatbuffers::Vector<uint32_t> *indices,
                      fb::Role role, const char *what) {
  const fb::Executable &exe = c.exe;
  const fb::EntryPoint &entry = *exe.entry_points()->Get(e);
  std::unordered_set<std::string_view> names;
  std::vector<Extent> extents;
  DLC_RETURN_IF_ERROR(c.spend(count(indices)));
  for (uint32_t k = 0; k < count(indices); ++k) {
    const uint32_t index = indices->Get(k);
    if (index >= count(exe.buffers()))
      return invalid(c.file, "{}: {} {} is buffer {}, which does not exist (the file has {})",
                     entryLabel(entry), what, k, index, count(exe.buffers()));
    const fb::Buffer &b = *exe.buffers()->Get(index);
    if (b.role() != role || b.region() != fb::Region::Arena || b.entry_point() != int32_t(e))
      return invalid(c.file, "{}: {} {} is {}, which is not an {} in this entry point's arena",
                     entryLabel(entry), what, k, bufferLabel(exe, index), fb::EnumNameRole(role));
    if (!names.insert(view(b.name())).second)
      return invalid(c.file, "{}: two {}s are named '{}'", entryLabel(entry), what,
                     printable(view(b.name())));
    if (b.size() > 0)
      extents.push_back({b.offset(), b.size(), index});
  }
  Extent first{}, second{};
  if (role == fb::Role::Input && findOverlap(extents, &first, &second))
    return invalid(c.file, "{}: inputs {} and {} overlap", entryLabel(entry),
                   bufferLabel(exe, first.buffer), bufferLabel(exe, second.buffer));
  return okStatus();
}

Status checkEntryPoints(const FileCheck &c) {
  const fb::Executable &exe = c.exe;
  std::unordered_set<std::string_view> names;
  for (uint32_t e = 0; e < count(exe.entry_points()); ++e) {
    const fb::EntryPoint &entry = *exe.entry_points()->Get(e);
    std::string_view name = view(entry.name());
    if (name.empty() || name.find('\0') != std::string_view::npos)
      return invalid(c.file, "entry point {}: name '{}' is empty or contains a NUL byte", e,
                     printable(name));
    if (!names.insert(name).second)
      return invalid(c.file, "{}: another entry point has the same name", entryLabel(entry));
    DLC_RETURN_IF_ERROR(checkSignature(c, e, entry.inputs(), fb::Role::Input, "input"));
    DLC_RETURN_IF_ERROR(checkSignature(c, e, entry.outputs(), fb::Role::Output, "output"));
    for (uint32_t k = 0; k < count(entry.commands()); ++k)
      DLC_RETURN_IF_ERROR(checkCommand(c, e, k, false));
    if (entry.cuda_commands() && !exe.cuda())
      return invalid(c.file, "{}: has CUDA commands but the file has no CUDA target",
                     entryLabel(entry));
    for (uint32_t k = 0; k < count(entry.cuda_commands()); ++k)
      DLC_RETURN_IF_ERROR(checkCommand(c, e, k, true));
  }
  return okStatus();
}

std::string identifierText(const uint8_t *data) {
  std::string text;
  for (int i = 4; i < 8; ++i)
    text += data[i] >= 0x20 && data[i] < 0x7f ? std::string(1, char(data[i]))
                                              : fmt::format("\\x{:02x}", data[i]);
  return text;
}

} // namespace

int operandCount(fb::Opcode opcode) {
  switch (opcode) {
  case fb::Opcode::Load:
  case fb::Opcode::Constant:
    return 0;
  case fb::Opcode::Select:
    return 3;
  case fb::Opcode::GeluGrad:
  case fb::Opcode::GeluTanhGrad:
    return 2;
  default:
    break;
  }
  return opcode >= fb::Opcode::Add && opcode <= fb::Opcode::CmpGe ? 2 : 1;
}

Status FileCheck::spend(uint64_t elements) const {
  if (elements > budget)
    return invalid(file, "too costly to check: its tables share vectors of {} elements", elements);
  budget -= elements;
  return okStatus();
}

bool isFloat(fb::DType dtype) {
  return dtype == fb::DType::F32 || dtype == fb::DType::F64 || dtype == fb::DType::F16 ||
         dtype == fb::DType::BF16;
}

std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char ch : text)
    out += ch >= 0x20 && ch < 0x7f && ch != '\'' ? std::string(1, char(ch))
                                                 : fmt::format("\\x{:02x}", ch);
  return out;
}

bool alignedVector(const flatbuffers::Vector<int64_t> *values) {
  return !values || values->size() == 0 ||
         reinterpret_cast<uintptr_t>(values->data()) % alignof(int64_t) == 0;
}

bool readShape(const flatbuffers::Vector<int64_t> *dims, Shape *shape, std::string *why) {
  if (!alignedVector(dims)) {
    *why = "the shape is not 8-byte aligned";
    return false;
  }
  const size_t rank = count(dims);
  if (rank > static_cast<size_t>(kMaxRank)) {
    *why = fmt::format("rank {} exceeds the limit of {}", rank, kMaxRank);
    return false;
  }
  shape->rank = static_cast<int>(rank);
  bool empty = false;
  for (size_t i = 0; i < rank; ++i) {
    const int64_t dim = dims->Get(i);
    if (dim < 0 || static_cast<uint64_t>(dim) > kMaxRegionBytes) {
      *why = fmt::format("dimension {} is {}", i, dim);
      return false;
    }
    shape->dims[i] = dim;
    empty = empty || dim == 0;
  }
  // Each factor is at most 2^48 and the product stops growing past 2^48.
  unsigned __int128 elements = 1;
  for (size_t i = 0; i < rank && !empty; ++i) {
    elements *= static_cast<uint64_t>(shape->dims[i]);
    if (elements > kMaxRegionBytes) {
      *why = fmt::format("{} elements exceed the limit of {}", describe(fb::DType::U8, *shape),
                         kMaxRegionBytes);
      return false;
    }
  }
  return true;
}

Status verifyExecutable(const uint8_t *data, size_t size, const std::string &file,
                        std::vector<Shape> *shapes) {
  if (size < 8)
    return invalid(file, "{} bytes are too few for a dlc executable", size);
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE)
    return invalid(file, "{} bytes exceed the FlatBuffers limit of 2 GiB", size);
  if (!fb::ExecutableBufferHasIdentifier(data))
    return invalid(file, "not a dlc executable (file identifier '{}', expected '{}')",
                   identifierText(data), fb::ExecutableIdentifier());
  flatbuffers::Verifier::Options options;
  options.max_depth = kMaxDepth;
  options.max_tables = kMaxTables;
  flatbuffers::Verifier verifier(data, size, options);
  if (!fb::VerifyExecutableBuffer(verifier))
    return invalid(file, "damaged or truncated (the FlatBuffers verifier rejected it)");

  const fb::Executable &exe = *fb::GetExecutable(data);
  if (exe.version() != static_cast<uint32_t>(fb::SchemaVersion::Current))
    return invalid(file, "built for schema version {}; this runtime reads {}", exe.version(),
                   static_cast<uint32_t>(fb::SchemaVersion::Current));
  FileCheck check{exe, file, {}, 64 * static_cast<uint64_t>(size) + (1u << 20)};
  DLC_RETURN_IF_ERROR(checkRegions(check));
  DLC_RETURN_IF_ERROR(checkBuffers(check));
  DLC_RETURN_IF_ERROR(checkInitializers(check));
  DLC_RETURN_IF_ERROR(checkKernels(check));
  DLC_RETURN_IF_ERROR(checkCudaTarget(check));
  DLC_RETURN_IF_ERROR(checkEntryPoints(check));
  *shapes = std::move(check.shapes);
  return okStatus();
}

} // namespace dlc::rt
