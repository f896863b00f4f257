// `dlrun --info`: what this machine offers the CUDA backend, in lines a
// person can act on.
#include "cuda_api.h"
#include "device.h"

namespace dlc::rt {

namespace {

/// cuDNN's 91900 or cuBLASLt's 130100 as "9.19.0" / "13.1.0".
std::string libraryVersion(size_t version, int majorScale) {
  return fmt::format("{}.{}.{}", version / majorScale, version % majorScale / 100, version % 100);
}

/// A warning when a library was built for a newer CUDA than the driver
/// supports.
std::string driverCheck(const cuda::Driver *driver, int cudart) {
  if (!driver || driver->version == 0 || cudart / 1000 <= driver->version / 1000)
    return "";
  return fmt::format("; it needs a driver for CUDA {}.0 or newer, and the driver is for CUDA {}: "
                     "update the driver",
                     cudart / 1000, cuda::cudaVersionText(driver->version));
}

} // namespace

std::string describeCudaEnvironment() {
  using namespace cuda;
  std::string text = fmt::format("CUDA backend: built in (CUDA {} headers, cuDNN {}.{})\n",
                                 cudaVersionText(CUDA_VERSION), CUDNN_MAJOR, CUDNN_MINOR);
  const Driver *driver = nullptr;
  Status status = loadDriver(&driver);
  if (!driver->library.handle) {
    text += "GPU: " + status.message() + "\n";
    driver = nullptr;
  } else if (!status.ok()) {
    text += fmt::format("NVIDIA driver: {} (CUDA {}): not usable: {}\n", driver->library.path,
                        cudaVersionText(driver->version), status.message());
    driver = nullptr;
  } else {
    int count = 0;
    driver->cuDeviceGetCount(&count);
    text += fmt::format("NVIDIA driver: {} (CUDA {}), {} GPU{}\n", driver->library.path,
                        cudaVersionText(driver->version), count, count == 1 ? "" : "s");
    for (int i = 0; i < count; ++i) {
      CUdevice device = 0;
      if (driver->cuDeviceGet(&device, i) != CUDA_SUCCESS)
        continue;
      char name[256] = {0};
      driver->cuDeviceGetName(name, sizeof name - 1, device);
      int major = 0, minor = 0;
      driver->cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
      driver->cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
      size_t memory = 0;
      driver->cuDeviceTotalMem(&memory, device);
      text += fmt::format(
          "  cuda:{}  {}  sm_{}{}  {:.1f} GiB{}\n", i, name, major, minor,
          static_cast<double>(memory) / (1 << 30),
          major * 10 + minor < 80 ? "  (older than sm_80: dlc's kernels do not run on it)" : "");
    }
  }
  const CublasLt *lt = nullptr;
  status = loadCublasLt(&lt);
  if (status.ok())
    text += fmt::format("cuBLASLt: {} from {} (built for CUDA {}){}\n",
                        libraryVersion(lt->cublasLtGetVersion(), 10000), lt->library.path,
                        cudaVersionText(static_cast<int>(lt->cublasLtGetCudartVersion())),
                        driverCheck(driver, static_cast<int>(lt->cublasLtGetCudartVersion())));
  else
    text += "cuBLASLt: " + status.message() + "\n";
  const Cudnn *dnn = nullptr;
  status = loadCudnn(&dnn);
  if (status.ok())
    text += fmt::format("cuDNN: {} from {} (built for CUDA {}){}\n",
                        libraryVersion(dnn->cudnnGetVersion(), 10000), dnn->library.path,
                        cudaVersionText(static_cast<int>(dnn->cudnnGetCudartVersion())),
                        driverCheck(driver, static_cast<int>(dnn->cudnnGetCudartVersion())));
  else
    text += "cuDNN: " + status.message() + "\n";
  return text;
}

} // namespace dlc::rt
