// The runtime built without the CUDA backend (no CUDA headers where it was
// built): the GPU is never available, and says why.
#include "device.h"

namespace dlc::rt {

Status createCudaDevice(const CudaOptions &, std::unique_ptr<Device> *) {
  return error(DLC_UNAVAILABLE,
               "this dlc runtime was built without the CUDA backend (no CUDA headers where it "
               "was built): rebuild it on a machine with the CUDA toolkit and cuDNN headers");
}

std::string describeCudaEnvironment() {
  return "CUDA backend: not built in (no CUDA headers where this runtime was built)\n";
}

} // namespace dlc::rt
