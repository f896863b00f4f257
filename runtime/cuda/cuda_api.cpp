#include "cuda_api.h"

#include <dlfcn.h>
#include <glob.h>
#include <link.h>

#include <cstdlib>
#include <mutex>

namespace dlc::rt::cuda {

#define DLC_CUDA_STRING(x) #x
#define DLC_CUDA_NAME(x) DLC_CUDA_STRING(x)

std::string cudaVersionText(int version) {
  return fmt::format("{}.{}", version / 1000, version % 1000 / 10);
}

Status Driver::check(CUresult result, const std::string &what) const {
  if (result == CUDA_SUCCESS)
    return okStatus();
  const char *name = nullptr, *text = nullptr;
  if (cuGetErrorName)
    cuGetErrorName(result, &name);
  if (cuGetErrorString)
    cuGetErrorString(result, &text);
  dlc_status_code code = result == CUDA_ERROR_OUT_OF_MEMORY ? DLC_UNAVAILABLE : DLC_INTERNAL;
  return error(code, "{}: {} ({})", what, name ? name : fmt::format("CUDA error {}", int(result)),
               text ? text : "no description");
}

Status CublasLt::check(cublasStatus_t status, const std::string &what) const {
  if (status == CUBLAS_STATUS_SUCCESS)
    return okStatus();
  return error(DLC_INTERNAL, "{}: cuBLASLt {}", what,
               cublasLtGetStatusString ? cublasLtGetStatusString(status)
                                       : fmt::format("status {}", int(status)));
}

Status Cudnn::check(cudnnStatus_t status, const std::string &what) const {
  if (status == CUDNN_STATUS_SUCCESS)
    return okStatus();
  return error(DLC_INTERNAL, "{}: cuDNN {}", what,
               cudnnGetErrorString ? cudnnGetErrorString(status)
                                   : fmt::format("status {}", int(status)));
}

namespace {

/// The file a dlopen handle came from.
std::string pathOf(void *handle, const std::string &fallback) {
  struct link_map *map = nullptr;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map && map->l_name && map->l_name[0])
    return map->l_name;
  return fallback;
}

/// Looks up every function of a table; false and the first missing name
/// otherwise.
template <typename Pointer>
bool lookUp(void *handle, const char *name, Pointer *out, std::string *missing) {
  *out = reinterpret_cast<Pointer>(dlsym(handle, name));
  if (!*out && missing->empty())
    *missing = name;
  return *out != nullptr;
}

std::vector<std::string> globAll(const std::string &pattern) {
  std::vector<std::string> found;
  glob_t result{};
  if (glob(pattern.c_str(), 0, nullptr, &result) == 0)
    for (size_t i = 0; i < result.gl_pathc; ++i)
      found.emplace_back(result.gl_pathv[i]);
  globfree(&result);
  return found;
}

void splitInto(const char *list, std::vector<std::string> *out) {
  if (!list)
    return;
  std::string text = list;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(':', start);
    if (end == std::string::npos)
      end = text.size();
    if (end > start)
      out->push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

/// Opens the first of `names` found by the loader's own search or in
/// `libraryDirectories()`. `tried` lists where it looked, for the message.
bool openFirst(const std::vector<std::string> &names, Library *out, std::string *tried) {
  for (const std::string &name : names) {
    if (void *handle = dlopen(name.c_str(), RTLD_NOW | RTLD_GLOBAL)) {
      *out = {handle, pathOf(handle, name)};
      return true;
    }
  }
  std::vector<std::string> directories = libraryDirectories();
  for (const std::string &directory : directories)
    for (const std::string &name : names) {
      std::string path = directory + "/" + name;
      if (void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL)) {
        *out = {handle, pathOf(handle, path)};
        return true;
      }
    }
  *tried = "the library path";
  for (const std::string &directory : directories)
    *tried += ", " + directory;
  return false;
}

struct DriverState {
  Driver driver;
  Status status;
};

} // namespace

std::vector<std::string> libraryDirectories() {
  std::vector<std::string> directories;
  splitInto(std::getenv("DLC_CUDA_LIBRARY_PATH"), &directories);
  for (const char *variable : {"CUDA_HOME", "CUDA_PATH"})
    if (const char *root = std::getenv(variable)) {
      directories.push_back(std::string(root) + "/lib64");
      directories.push_back(std::string(root) + "/lib");
    }
  for (const char *root :
       {"/usr/local/cuda/lib64", "/usr/local/cuda/lib", "/usr/local/cuda/targets/x86_64-linux/lib"})
    directories.push_back(root);
  // The nvidia-* wheels: site-packages/nvidia/<package>/lib.
  std::vector<std::string> sitePackages;
  for (const char *pattern :
       {"/usr/lib/python3*/site-packages", "/usr/lib/python3/dist-packages",
        "/usr/local/lib/python3*/site-packages", "/usr/local/lib/python3*/dist-packages"})
    for (const std::string &path : globAll(pattern))
      sitePackages.push_back(path);
  for (const char *variable : {"HOME", "VIRTUAL_ENV", "CONDA_PREFIX"})
    if (const char *root = std::getenv(variable)) {
      std::string prefix = std::string(root) + (std::string(variable) == "HOME" ? "/.local" : "");
      for (const std::string &path : globAll(prefix + "/lib/python3*/site-packages"))
        sitePackages.push_back(path);
    }
  splitInto(std::getenv("PYTHONPATH"), &sitePackages);
  for (const std::string &site : sitePackages)
    for (const char *package : {"cu13", "cublas", "cudnn", "cu12"}) {
      std::string lib = site + "/nvidia/" + package + "/lib";
      if (!globAll(lib).empty())
        directories.push_back(lib);
    }
  return directories;
}

Status loadDriver(const Driver **out) {
  static DriverState *state = [] {
    auto *s = new DriverState();
    Driver &d = s->driver;
    const char *override = std::getenv("DLC_CUDA_DRIVER");
    std::string name = override ? override : "libcuda.so.1";
    void *handle = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      s->status = error(DLC_UNAVAILABLE,
                        "no NVIDIA driver: {} was not found ({}); install the NVIDIA driver to use "
                        "a GPU",
                        name, dlerror());
      return s;
    }
    d.library = {handle, pathOf(handle, name)};
    std::string missing;
#define DLC_LOOK_UP(f) lookUp(handle, DLC_CUDA_NAME(f), &d.f, &missing);
    DLC_CUDA_DRIVER_INIT_FUNCTIONS(DLC_LOOK_UP)
    if (!missing.empty()) {
      s->status = error(DLC_UNAVAILABLE, "{} is not a usable NVIDIA driver: it has no {}",
                        d.library.path, missing);
      return s;
    }
    CUresult init = d.cuInit(0);
    d.cuDriverGetVersion(&d.version);
    if (init != CUDA_SUCCESS) {
      Status why = d.check(init, "cuInit");
      std::string advice =
          init == CUDA_ERROR_NO_DEVICE ? "no NVIDIA GPU is visible to this process"
          : init == CUDA_ERROR_STUB_LIBRARY
              ? "this libcuda is the CUDA toolkit's stub, not a driver"
              : "the driver could not start (is the kernel module loaded and the same version "
                "as libcuda?)";
      s->status = error(DLC_UNAVAILABLE, "the NVIDIA driver at {} found no usable GPU: {}; {}",
                        d.library.path, why.message(), advice);
      return s;
    }
    DLC_CUDA_DRIVER_FUNCTIONS(DLC_LOOK_UP)
#undef DLC_LOOK_UP
    for (const char *name : {"cuEventElapsedTime_v2", "cuEventElapsedTime"})
      if (!d.eventElapsedTime)
        d.eventElapsedTime = reinterpret_cast<decltype(d.eventElapsedTime)>(dlsym(handle, name));
    if (!missing.empty())
      s->status = error(DLC_UNAVAILABLE,
                        "the NVIDIA driver at {} (CUDA {}) has no {}: update the driver (dlc needs "
                        "one for CUDA 12.0 or newer)",
                        d.library.path, cudaVersionText(d.version), missing);
    return s;
  }();
  *out = &state->driver;
  return state->status;
}

Status missingDriverFunctions(const std::string &path, std::vector<std::string> *missing) {
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return error(DLC_NOT_FOUND, "cannot load {}: {}", path, dlerror());
  missing->clear();
  Driver d;
#define DLC_LOOK_UP(f)                                                                             \
  {                                                                                                \
    std::string first;                                                                             \
    if (!lookUp(handle, DLC_CUDA_NAME(f), &d.f, &first))                                           \
      missing->push_back(first);                                                                   \
  }
  DLC_CUDA_DRIVER_INIT_FUNCTIONS(DLC_LOOK_UP)
  DLC_CUDA_DRIVER_FUNCTIONS(DLC_LOOK_UP)
#undef DLC_LOOK_UP
  dlclose(handle);
  return okStatus();
}

Status loadCublasLt(const CublasLt **out) {
  static std::pair<CublasLt, Status> *state = [] {
    auto *s = new std::pair<CublasLt, Status>();
    std::string tried;
    if (!openFirst({"libcublasLt.so.13", "libcublasLt.so.12"}, &s->first.library, &tried)) {
      s->second = error(DLC_UNAVAILABLE,
                        "cuBLASLt was not found (looked for libcublasLt.so.13 and .12 in {}); "
                        "install the CUDA toolkit's libraries or `pip install nvidia-cublas`",
                        tried);
      return s;
    }
    std::string missing;
#define DLC_LOOK_UP(f) lookUp(s->first.library.handle, DLC_CUDA_NAME(f), &s->first.f, &missing);
    DLC_CUBLASLT_FUNCTIONS(DLC_LOOK_UP)
#undef DLC_LOOK_UP
    if (!missing.empty())
      s->second = error(DLC_UNAVAILABLE, "{} has no {}: it is not a cuBLASLt dlc can use",
                        s->first.library.path, missing);
    return s;
  }();
  *out = &state->first;
  return state->second;
}

Status loadCudnn(const Cudnn **out) {
  static std::pair<Cudnn, Status> *state = [] {
    auto *s = new std::pair<Cudnn, Status>();
    std::string tried;
    if (!openFirst({"libcudnn.so.9"}, &s->first.library, &tried)) {
      s->second = error(DLC_UNAVAILABLE,
                        "cuDNN 9 was not found (looked for libcudnn.so.9 in {}); install it or "
                        "`pip install nvidia-cudnn-cu13`",
                        tried);
      return s;
    }
    std::string missing;
#define DLC_LOOK_UP(f) lookUp(s->first.library.handle, DLC_CUDA_NAME(f), &s->first.f, &missing);
    DLC_CUDNN_FUNCTIONS(DLC_LOOK_UP)
#undef DLC_LOOK_UP
    if (!missing.empty())
      s->second = error(DLC_UNAVAILABLE, "{} has no {}: it is not a cuDNN 9 dlc can use",
                        s->first.library.path, missing);
    return s;
  }();
  *out = &state->first;
  return state->second;
}

} // namespace dlc::rt::cuda
