// Running a file's CUDA form on the CPU, to test it without a GPU: its
// library calls on the CPU backend (they are the same tables), its
// generated kernels from a host build of the same kernels (`dlc compile
// --emit=host-kernels` or `--emit=host-mapped-kernels`, linked into a
// shared library), each exported as `void name(void **buffers)`.
#include "cpu_commands.h"

#include <dlfcn.h>

namespace dlc::rt::cpu {

Status openHostKernels(const std::string &path, void **out) {
  *out = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!*out)
    return error(DLC_UNAVAILABLE, "cannot load the host kernels '{}': {}", path, dlerror());
  return okStatus();
}

void closeHostKernels(void *library) {
  if (library)
    dlclose(library);
}

Status prepareHostLaunch(const Context &ctx, const fb::GpuLaunch &op, void *library, Step *out) {
  const fb::GpuKernel &kernel = *ctx.executable.cuda()->kernels()->Get(op.kernel());
  std::string name = kernel.name()->str();
  using KernelFunction = void (*)(void **);
  auto function = reinterpret_cast<KernelFunction>(dlsym(library, name.c_str()));
  if (!function)
    return error(DLC_UNAVAILABLE, "the host kernels have no kernel '{}'", name);
  std::vector<void *> pointers;
  for (uint32_t index : *op.buffers()) {
    Tensor buffer;
    DLC_RETURN_IF_ERROR(ctx.tensor(index, "buffer", &buffer));
    pointers.push_back(buffer.data);
  }
  *out = [function, pointers]() mutable {
    function(pointers.data());
    return okStatus();
  };
  return okStatus();
}

} // namespace dlc::rt::cpu
