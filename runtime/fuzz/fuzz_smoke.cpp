// The loader fuzz target's smoke run for the ordinary (g++) test suite: the
// same LLVMFuzzerTestOneInput as fuzz_loader, fed the seed executables, every
// truncation of them, and deterministic random mutations. The coverage-guided
// fuzzing itself needs clang (see CMakeLists.txt); this keeps the target
// compiling and catches regressions that crash on the first inputs.
#include "test_executable.h"

#include <cstdint>
#include <cstdio>
#include <random>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

void run(const std::vector<uint8_t> &bytes) { LLVMFuzzerTestOneInput(bytes.data(), bytes.size()); }

/// Byte flips, overwrites with boundary values, and splices of a seed.
std::vector<uint8_t> mutate(std::vector<uint8_t> bytes, std::mt19937_64 &rng) {
  static const uint8_t interesting[] = {0x00, 0x01, 0x7f, 0x80, 0xff, 0x40, 0x10};
  int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits && !bytes.empty(); ++e) {
    size_t at = rng() % bytes.size();
    switch (rng() % 3) {
    case 0:
      bytes[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
      break;
    case 1:
      bytes[at] = interesting[rng() % sizeof(interesting)];
      break;
    default: {
      size_t from = rng() % bytes.size(), length = rng() % 16;
      for (size_t i = 0; i < length && at + i < bytes.size() && from + i < bytes.size(); ++i)
        bytes[at + i] = bytes[from + i];
    }
    }
  }
  return bytes;
}

} // namespace

int main(int argc, char **argv) {
  const int mutations = argc > 1 ? std::atoi(argv[1]) : 3000;
  const std::vector<std::vector<uint8_t>> seeds = {dlc::test::build(dlc::test::tinySpec()),
                                                   dlc::test::build(dlc::test::allOpsSpec()),
                                                   dlc::test::build(dlc::test::tinyCudaSpec())};
  std::mt19937_64 rng(20261129);
  size_t inputs = 0;
  for (const std::vector<uint8_t> &seed : seeds) {
    run(seed);
    for (size_t length = 0; length < seed.size(); length += 1 + length / 16, ++inputs)
      run(std::vector<uint8_t>(seed.begin(), seed.begin() + length));
    for (int i = 0; i < mutations; ++i, ++inputs)
      run(mutate(seed, rng));
  }
  std::printf("fuzz smoke: %zu inputs, no crash\n", inputs);
  return 0;
}
