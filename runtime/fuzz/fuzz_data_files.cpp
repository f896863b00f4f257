// libFuzzer target for the data file readers: the first byte picks the
// reader (0 .npy, 1 .npz, 2 IDX (plain or gzip), 3 safetensors), the rest
// is the file. Every input must give a tensor or a clean error.
#include "idx.h"
#include "npy.h"
#include "safetensors.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

namespace {

void expectClean(const dlc::rt::Status &status, const char *reader) {
  if (status.ok() || status.code() == DLC_INVALID_FILE)
    return;
  std::fprintf(stderr, "%s: unexpected status %d: %s\n", reader, status.code(),
               status.message().c_str());
  std::abort();
}

/// A file of this process that each input overwrites (in memory where
/// /dev/shm exists: the readers take paths, and disks are slow).
const std::string &scratchPath() {
  static const std::string path =
      std::string(::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp") + "/dlc_fuzz_data_files." +
      std::to_string(::getpid());
  return path;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  const uint8_t reader = data[0] % 4;
  ++data;
  --size;
  FILE *file = std::fopen(scratchPath().c_str(), "wb");
  if (!file || std::fwrite(data, 1, size, file) != size)
    std::abort();
  std::fclose(file);
  switch (reader) {
  case 0: {
    dlc::rt::HostTensor tensor;
    expectClean(dlc::rt::parseNpy(data, size, "fuzz.npy", &tensor), "parseNpy");
    break;
  }
  case 1: {
    std::vector<dlc::rt::NamedHostTensor> arrays;
    expectClean(dlc::rt::readNpz(scratchPath(), &arrays), "readNpz");
    break;
  }
  case 2: {
    dlc::rt::HostTensor tensor;
    expectClean(dlc::rt::readIdx(scratchPath(), &tensor), "readIdx");
    break;
  }
  default: {
    dlc::rt::SafetensorsFile file;
    expectClean(dlc::rt::readSafetensors(scratchPath(), &file), "readSafetensors");
    break;
  }
  }
  return 0;
}
