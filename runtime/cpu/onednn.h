// oneDNN primitives bound to their memory once, in prepare. Executing one
// goes through the C API with the argument list made here: the C++
// execute() builds that list anew on every call.
#ifndef DLC_RUNTIME_CPU_ONEDNN_H
#define DLC_RUNTIME_CPU_ONEDNN_H

#include "status.h"

#include <dnnl.hpp>

#include <unordered_map>
#include <vector>

namespace dlc::rt::cpu {

struct BoundPrimitive {
  dnnl::primitive primitive;
  std::unordered_map<int, dnnl::memory> memories; // keeps the memory objects alive
  std::vector<dnnl_exec_arg_t> args;

  BoundPrimitive(dnnl::primitive primitive, std::unordered_map<int, dnnl::memory> memories)
      : primitive(std::move(primitive)), memories(std::move(memories)) {
    for (const auto &[kind, memory] : this->memories)
      args.push_back({kind, memory.get()});
  }

  Status execute(const dnnl::stream &stream) const {
    dnnl_status_t status = dnnl_primitive_execute(primitive.get(), stream.get(),
                                                  static_cast<int>(args.size()), args.data());
    if (status != dnnl_success)
      return error(DLC_INTERNAL, "oneDNN failed to run a primitive (status {})",
                   static_cast<int>(status));
    return okStatus();
  }
};

/// A user-allocated scratchpad for `pd`, made in prepare so running
/// allocates none (the primitive's attr sets scratchpad_mode::user).
inline dnnl::memory scratchpadFor(const dnnl::primitive_desc_base &pd, const dnnl::engine &engine) {
  return dnnl::memory(pd.scratchpad_desc(), engine);
}

} // namespace dlc::rt::cpu

#endif // DLC_RUNTIME_CPU_ONEDNN_H
