// What the per-command checks share: a command's buffers resolved and
// checked against the entry point they run in, and messages that name the
// command. Used by verify_commands.cpp (CPU and library commands) and
// verify_cuda.cpp (GPU launches).
#ifndef DLC_RUNTIME_SRC_VERIFY_COMMAND_CHECK_H
#define DLC_RUNTIME_SRC_VERIFY_COMMAND_CHECK_H

#include "verify.h"

#include <array>

namespace dlc::rt {

// Attribute values (strides, padding, window sizes) beyond this are surely
// wrong and would make the shape arithmetic below overflow.
inline constexpr int64_t kMaxAttribute = int64_t(1) << 31;

using Int = __int128;

struct Operand {
  uint32_t index = UINT32_MAX; // UINT32_MAX: an absent optional operand
  const char *role = "";
  fb::DType dtype = fb::DType::F32;
  Shape shape;

  bool present() const { return index != UINT32_MAX; }
  int rank() const { return shape.rank; }
  int64_t dim(int i) const { return shape.dims[i]; }
};

class CommandCheck {
public:
  CommandCheck(const FileCheck &c, uint32_t entryIndex, std::string prefix)
      : c_(c), entryIndex_(entryIndex), prefix_(std::move(prefix)) {}

  template <typename... Args>
  Status fail(fmt::format_string<Args...> format, Args &&...args) const {
    return Status(DLC_INVALID_FILE, c_.file + ": " + prefix_ + ": " +
                                        fmt::format(format, std::forward<Args>(args)...));
  }

  /// Resolves buffer `index`, which the op calls `role`.
  Status operand(uint32_t index, const char *role, bool written, Operand *out) const {
    const fb::Executable &exe = c_.exe;
    const size_t numBuffers = exe.buffers() ? exe.buffers()->size() : 0;
    if (index >= numBuffers)
      return fail("{} is buffer {}, which does not exist (the file has {})", role, index,
                  numBuffers);
    const fb::Buffer &b = *exe.buffers()->Get(index);
    if (b.region() == fb::Region::Arena && b.entry_point() != static_cast<int32_t>(entryIndex_))
      return fail("{} is {}, which lives in the arena of another entry point", role, label(index));
    if (written && b.region() == fb::Region::Constants)
      return fail("{} is {}, a constant, which commands must not write", role, label(index));
    out->index = index;
    out->role = role;
    out->dtype = b.dtype();
    out->shape = c_.shapes[index];
    return okStatus();
  }

  /// An operand given as an int that is -1 when absent.
  Status optionalOperand(int32_t index, const char *role, Operand *out,
                         bool written = false) const {
    if (index == -1)
      return okStatus();
    if (index < 0)
      return fail("{} is buffer {}, which does not exist", role, index);
    return operand(static_cast<uint32_t>(index), role, written, out);
  }

  Status spend(uint64_t elements) const { return c_.spend(elements); }

  std::string label(uint32_t index) const {
    return fmt::format("buffer {} '{}'", index,
                       printable(c_.exe.buffers()->Get(index)->name()->str()));
  }
  std::string text(const Operand &o) const {
    return fmt::format("{} ({}) is {}", o.role, label(o.index), describe(o.dtype, o.shape));
  }

  Status sameDtype(const Operand &a, const Operand &b) const {
    if (a.dtype != b.dtype)
      return fail("{} and {}: dtypes differ", text(a), text(b));
    return okStatus();
  }
  Status sameShape(const Operand &a, const Operand &b) const {
    if (a.shape != b.shape)
      return fail("{} and {}: shapes differ", text(a), text(b));
    return okStatus();
  }
  Status sameType(const Operand &a, const Operand &b) const {
    DLC_RETURN_IF_ERROR(sameDtype(a, b));
    return sameShape(a, b);
  }
  Status rank(const Operand &o, int expected) const {
    if (o.rank() != expected)
      return fail("{}; expected rank {}", text(o), expected);
    return okStatus();
  }
  Status floating(const Operand &o) const {
    if (!isFloat(o.dtype))
      return fail("{}; expected a floating-point dtype", text(o));
    return okStatus();
  }
  Status integerIndex(const Operand &o) const {
    if (o.dtype != fb::DType::I32 && o.dtype != fb::DType::I64)
      return fail("{}; expected i32 or i64", text(o));
    return okStatus();
  }
  Status elements(const Operand &o, int64_t expected) const {
    if (o.shape.elements() != expected)
      return fail("{}; expected {} elements", text(o), expected);
    return okStatus();
  }
  Status axis(int64_t axis, const Operand &o) const {
    if (axis < 0 || axis >= o.rank())
      return fail("axis {} is out of range for {}", axis, text(o));
    return okStatus();
  }
  /// `values` has `size` entries in [min, kMaxAttribute].
  Status attribute(const flatbuffers::Vector<int64_t> *values, size_t size, int64_t min,
                   const char *name, std::array<int64_t, kMaxRank> *out) const {
    const size_t n = values ? values->size() : 0;
    if (n != size)
      return fail("{} has {} values; expected {}", name, n, size);
    for (size_t i = 0; i < n; ++i) {
      const int64_t v = values->Get(i);
      if (v < min || v > kMaxAttribute)
        return fail("{}[{}] is {}; expected a value in [{}, {}]", name, i, v, min, kMaxAttribute);
      (*out)[i] = v;
    }
    return okStatus();
  }
  /// `o` broadcasts to `shape` with NumPy rules.
  Status broadcastsTo(const Operand &o, const Shape &shape) const {
    bool ok = o.rank() <= shape.rank;
    for (int i = 1; ok && i <= o.rank(); ++i) {
      const int64_t d = o.dim(o.rank() - i);
      ok = d == 1 || d == shape.dims[shape.rank - i];
    }
    if (!ok)
      return fail("{}, which does not broadcast to {}", text(o), describe(o.dtype, shape));
    return okStatus();
  }

private:
  const FileCheck &c_;
  uint32_t entryIndex_;
  std::string prefix_;
};

/// A command in an entry point's CUDA list: a library call the GPU has
/// (and without what it lacks), or a GpuLaunch (verify_cuda.cpp).
Status checkRunsOnGpu(const CommandCheck &k, const fb::Command &command);

/// A GpuLaunch: its kernel exists and takes exactly its buffers, each of
/// the size the kernel's parameter has (verify_cuda.cpp).
Status checkGpuLaunch(const CommandCheck &k, const fb::Executable &exe, const fb::GpuLaunch &op);

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_VERIFY_COMMAND_CHECK_H
