// A stand-in for the NVIDIA driver (libcuda.so.1) that computes on the CPU,
// so that the CUDA backend's own code (sessions in device memory, staged
// inputs on a second stream, PTX modules, kernel launches, CUDA graphs,
// outputs fetched through pinned memory, out-of-memory) runs in tests on a
// machine without a GPU. It is no GPU: it proves the backend drives the
// driver API consistently, not that a GPU computes what dlc asks.
//
// - "Device memory" is host memory; a CUdeviceptr is its address.
// - Work runs when it is enqueued, in order, so every stream and event
//   ordering holds trivially; while a stream captures a graph, its work is
//   recorded instead and runs at each cuGraphLaunch.
// - cuModuleLoadDataEx accepts PTX (text with ".entry") and takes the
//   kernels from the host build of the same kernels in the library named by
//   FAKE_CUDA_KERNELS (dlc compile --emit=host-kernels): each `.entry` must
//   exist there as `void name(void **buffers)`. With FAKE_CUDA_KERNELS_BY_PTX
//   instead, the library is DIR/HASH.so, HASH the 64-bit FNV-1a of the PTX
//   text in 16 hex digits (a process that loads many files' PTX).
// - FAKE_CUDA_MEMORY limits the bytes cuMemAlloc hands out (out-of-memory
//   tests). FAKE_CUDA_NO_CAPTURE makes capture fail (the fallback path).
// - The fake cuBLASLt beside it enqueues its work through
//   fakeCudaEnqueue, so that it is captured too.
#include <cuda.h>

#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

struct Stream {
  bool capturing = false;
  std::vector<std::function<void()>> recorded;
};

struct Graph {
  std::vector<std::function<void()>> work;
};

struct State {
  std::mutex mutex;
  size_t allocated = 0;
  std::unordered_map<CUdeviceptr, size_t> sizes;
  std::vector<void *> kernelLibraries;
  bool initialized = false;
  int contexts = 0;
};

State &state() {
  static State *s = new State();
  return *s;
}

Stream *streamOf(CUstream stream) {
  static Stream legacy; // the null stream
  return stream ? reinterpret_cast<Stream *>(stream) : &legacy;
}

/// Runs `work` now, or records it into the stream's capture.
void enqueue(CUstream stream, std::function<void()> work) {
  Stream *s = streamOf(stream);
  if (s->capturing)
    s->recorded.push_back(std::move(work));
  else
    work();
}

size_t memoryLimit() {
  const char *limit = std::getenv("FAKE_CUDA_MEMORY");
  return limit ? std::strtoull(limit, nullptr, 10) : size_t(8) << 30;
}

} // namespace

extern "C" {

/// For the fake cuBLASLt: runs fn(arg) on the stream (or records it).
__attribute__((visibility("default"))) void fakeCudaEnqueue(CUstream stream,
                                                            std::function<void()> *work) {
  enqueue(stream, std::move(*work));
}

CUresult CUDAAPI cuInit(unsigned int) {
  state().initialized = true;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDriverGetVersion(int *version) {
  *version = 13000;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGetErrorName(CUresult error, const char **name) {
  switch (error) {
  case CUDA_ERROR_OUT_OF_MEMORY:
    *name = "CUDA_ERROR_OUT_OF_MEMORY";
    break;
  case CUDA_ERROR_NOT_FOUND:
    *name = "CUDA_ERROR_NOT_FOUND";
    break;
  case CUDA_ERROR_INVALID_VALUE:
    *name = "CUDA_ERROR_INVALID_VALUE";
    break;
  case CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED:
    *name = "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED";
    break;
  case CUDA_ERROR_INVALID_PTX:
    *name = "CUDA_ERROR_INVALID_PTX";
    break;
  default:
    *name = "CUDA_ERROR_UNKNOWN";
  }
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGetErrorString(CUresult error, const char **text) {
  *text = error == CUDA_ERROR_OUT_OF_MEMORY ? "out of memory" : "fake driver error";
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetCount(int *count) {
  *count = 1;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGet(CUdevice *device, int ordinal) {
  if (ordinal != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *device = 0;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetName(char *name, int length, CUdevice) {
  std::strncpy(name, "dlc fake GPU (host memory)", static_cast<size_t>(length));
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceGetAttribute(int *value, CUdevice_attribute attribute, CUdevice) {
  *value = attribute == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR   ? 9
           : attribute == CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR ? 0
                                                                       : 1;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDeviceTotalMem(size_t *bytes, CUdevice) {
  *bytes = memoryLimit();
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice) {
  ++state().contexts;
  *context = reinterpret_cast<CUcontext>(&state());
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuDevicePrimaryCtxRelease(CUdevice) {
  --state().contexts;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuCtxSetCurrent(CUcontext) { return CUDA_SUCCESS; }

CUresult CUDAAPI cuMemGetInfo(size_t *free, size_t *total) {
  *total = memoryLimit();
  *free = *total - state().allocated;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemAlloc(CUdeviceptr *out, size_t bytes) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (bytes == 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (s.allocated + bytes > memoryLimit())
    return CUDA_ERROR_OUT_OF_MEMORY;
  void *memory = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!memory)
    return CUDA_ERROR_OUT_OF_MEMORY;
  // Fresh device memory is not zero: the backend must clear what it needs.
  std::memset(memory, 0xA5, bytes);
  *out = reinterpret_cast<CUdeviceptr>(memory);
  s.sizes[*out] = bytes;
  s.allocated += bytes;
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemFree(CUdeviceptr memory) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  auto it = s.sizes.find(memory);
  if (it == s.sizes.end())
    return CUDA_ERROR_INVALID_VALUE;
  s.allocated -= it->second;
  s.sizes.erase(it);
  std::free(reinterpret_cast<void *>(memory));
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemsetD8Async(CUdeviceptr memory, unsigned char value, size_t bytes,
                                 CUstream stream) {
  enqueue(stream, [=] { std::memset(reinterpret_cast<void *>(memory), value, bytes); });
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyHtoDAsync(CUdeviceptr device, const void *host, size_t bytes,
                                   CUstream stream) {
  enqueue(stream, [=] { std::memcpy(reinterpret_cast<void *>(device), host, bytes); });
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyDtoHAsync(void *host, CUdeviceptr device, size_t bytes, CUstream stream) {
  enqueue(stream, [=] { std::memcpy(host, reinterpret_cast<const void *>(device), bytes); });
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpyDtoDAsync(CUdeviceptr to, CUdeviceptr from, size_t bytes,
                                   CUstream stream) {
  enqueue(stream, [=] {
    std::memmove(reinterpret_cast<void *>(to), reinterpret_cast<const void *>(from), bytes);
  });
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemcpy3DAsync(const CUDA_MEMCPY3D *copy, CUstream stream) {
  const CUDA_MEMCPY3D c = *copy;
  if (c.srcMemoryType != CU_MEMORYTYPE_DEVICE || c.dstMemoryType != CU_MEMORYTYPE_DEVICE ||
      c.srcPitch < c.WidthInBytes || c.dstPitch < c.WidthInBytes)
    return CUDA_ERROR_INVALID_VALUE;
  enqueue(stream, [c] {
    for (size_t z = 0; z < c.Depth; ++z)
      for (size_t y = 0; y < c.Height; ++y) {
        const char *from = reinterpret_cast<const char *>(c.srcDevice) +
                           ((c.srcZ + z) * c.srcHeight + c.srcY + y) * c.srcPitch + c.srcXInBytes;
        char *to = reinterpret_cast<char *>(c.dstDevice) +
                   ((c.dstZ + z) * c.dstHeight + c.dstY + y) * c.dstPitch + c.dstXInBytes;
        std::memcpy(to, from, c.WidthInBytes);
      }
  });
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuMemHostAlloc(void **out, size_t bytes, unsigned int) {
  *out = std::malloc(bytes ? bytes : 1);
  return *out ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

CUresult CUDAAPI cuMemFreeHost(void *memory) {
  std::free(memory);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamCreate(CUstream *stream, unsigned int) {
  *stream = reinterpret_cast<CUstream>(new Stream());
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamDestroy(CUstream stream) {
  delete reinterpret_cast<Stream *>(stream);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamSynchronize(CUstream stream) {
  return streamOf(stream)->capturing ? CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED : CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamWaitEvent(CUstream, CUevent, unsigned int) { return CUDA_SUCCESS; }

CUresult CUDAAPI cuStreamBeginCapture(CUstream stream, CUstreamCaptureMode) {
  if (std::getenv("FAKE_CUDA_NO_CAPTURE"))
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  Stream *s = streamOf(stream);
  if (s->capturing)
    return CUDA_ERROR_ILLEGAL_STATE;
  s->capturing = true;
  s->recorded.clear();
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuStreamEndCapture(CUstream stream, CUgraph *graph) {
  Stream *s = streamOf(stream);
  if (!s->capturing)
    return CUDA_ERROR_ILLEGAL_STATE;
  s->capturing = false;
  auto *g = new Graph{std::move(s->recorded)};
  s->recorded.clear();
  *graph = reinterpret_cast<CUgraph>(g);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphInstantiateWithFlags(CUgraphExec *exec, CUgraph graph, unsigned long long) {
  *exec = reinterpret_cast<CUgraphExec>(new Graph(*reinterpret_cast<Graph *>(graph)));
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphLaunch(CUgraphExec exec, CUstream stream) {
  Graph *g = reinterpret_cast<Graph *>(exec);
  enqueue(stream, [g] {
    for (auto &work : g->work)
      work();
  });
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphExecDestroy(CUgraphExec exec) {
  delete reinterpret_cast<Graph *>(exec);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuGraphDestroy(CUgraph graph) {
  delete reinterpret_cast<Graph *>(graph);
  return CUDA_SUCCESS;
}

// An event holds the host time at which the work before it ran.
struct Event {
  double milliseconds = -1; // never recorded
};

CUresult CUDAAPI cuEventCreate(CUevent *event, unsigned int) {
  *event = reinterpret_cast<CUevent>(new Event());
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventDestroy(CUevent event) {
  delete reinterpret_cast<Event *>(event);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventRecord(CUevent event, CUstream stream) {
  Event *e = reinterpret_cast<Event *>(event);
  enqueue(stream, [e] {
    e->milliseconds = std::chrono::duration<double, std::milli>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  });
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuEventElapsedTime(float *milliseconds, CUevent start, CUevent end) {
  const Event *a = reinterpret_cast<Event *>(start), *b = reinterpret_cast<Event *>(end);
  if (a->milliseconds < 0 || b->milliseconds < 0)
    return CUDA_ERROR_INVALID_HANDLE;
  *milliseconds = static_cast<float>(b->milliseconds - a->milliseconds);
  return CUDA_SUCCESS;
}
CUresult CUDAAPI cuEventSynchronize(CUevent) { return CUDA_SUCCESS; }

CUresult CUDAAPI cuModuleLoadDataEx(CUmodule *module, const void *image, unsigned int count,
                                    CUjit_option *options, void **values) {
  const char *ptx = static_cast<const char *>(image);
  const char *kernels = std::getenv("FAKE_CUDA_KERNELS");
  std::string byPtx;
  if (!kernels && std::getenv("FAKE_CUDA_KERNELS_BY_PTX")) {
    uint64_t hash = 0xcbf29ce484222325ull;
    for (const char *c = ptx; *c; ++c)
      hash = (hash ^ static_cast<unsigned char>(*c)) * 0x100000001b3ull;
    char name[32];
    std::snprintf(name, sizeof name, "/%016llx.so", static_cast<unsigned long long>(hash));
    byPtx = std::string(std::getenv("FAKE_CUDA_KERNELS_BY_PTX")) + name;
    kernels = byPtx.c_str();
  }
  std::string error;
  void *library = nullptr;
  if (!std::strstr(ptx, ".entry"))
    error = "not PTX: no .entry";
  else if (!kernels)
    error = "FAKE_CUDA_KERNELS names no host build of the kernels";
  else if (!(library = dlopen(kernels, RTLD_NOW | RTLD_LOCAL)))
    error = dlerror();
  if (!error.empty()) {
    for (unsigned i = 0; i < count; ++i)
      if (options[i] == CU_JIT_ERROR_LOG_BUFFER)
        std::strncpy(static_cast<char *>(values[i]), error.c_str(), 1000);
    return CUDA_ERROR_INVALID_PTX;
  }
  // Every .entry of the PTX must be in the host build.
  for (const char *at = std::strstr(ptx, ".entry"); at; at = std::strstr(at + 1, ".entry")) {
    const char *name = at + 6;
    while (*name == ' ')
      ++name;
    std::string entry(name, std::strcspn(name, "( \n"));
    if (!dlsym(library, entry.c_str()))
      return CUDA_ERROR_INVALID_PTX;
  }
  *module = reinterpret_cast<CUmodule>(library);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleUnload(CUmodule module) {
  dlclose(reinterpret_cast<void *>(module));
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuModuleGetFunction(CUfunction *function, CUmodule module, const char *name) {
  void *symbol = dlsym(reinterpret_cast<void *>(module), name);
  if (!symbol)
    return CUDA_ERROR_NOT_FOUND;
  *function = reinterpret_cast<CUfunction>(symbol);
  return CUDA_SUCCESS;
}

CUresult CUDAAPI cuFuncSetAttribute(CUfunction, CUfunction_attribute, int) { return CUDA_SUCCESS; }

CUresult CUDAAPI cuLaunchKernel(CUfunction function, unsigned gx, unsigned gy, unsigned gz,
                                unsigned bx, unsigned by, unsigned bz, unsigned, CUstream stream,
                                void **params, void **extra) {
  if (extra || gx == 0 || gy == 0 || gz == 0 || bx * by * bz == 0 || bx * by * bz > 1024)
    return CUDA_ERROR_INVALID_VALUE;
  // The host build runs all items itself; the parameters are the buffers'
  // addresses, read now as the driver copies them at launch. The driver
  // knows their count from the kernel; this stand-in reads up to the null
  // the backend puts after the last.
  std::vector<void *> buffers;
  for (size_t i = 0; params && params[i] && i < 256; ++i)
    buffers.push_back(*static_cast<void **>(params[i]));
  using Kernel = void (*)(void **);
  auto kernel = reinterpret_cast<Kernel>(function);
  enqueue(stream, [kernel, buffers]() mutable { kernel(buffers.data()); });
  return CUDA_SUCCESS;
}

} // extern "C"
