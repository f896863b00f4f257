// What dlrun's modes share: errors as exceptions, the deterministic
// generator behind data order, text windows and sampling, and opening a
// session the way every mode does.
#ifndef DLC_TOOLS_DLRUN_COMMON_H
#define DLC_TOOLS_DLRUN_COMMON_H

#include "dlc/runtime.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace dlc::tools {

[[noreturn]] inline void fail(dlc_status_code code, const std::string &message) {
  throw dlc::Error(code, message);
}

/// Deterministic 64-bit generator (splitmix64): what it draws depends only
/// on the seed and the platform-independent arithmetic here.
struct SplitMix {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double normal() { // Box-Muller
    double u = uniform(), v = uniform();
    return std::sqrt(-2.0 * std::log1p(-u)) * std::cos(2 * M_PI * v);
  }
};

/// A session of `executable` on `device`; when "auto" chose the CPU, says
/// why on stderr.
inline dlc::Session openSession(const dlc::Executable &executable, const std::string &device,
                                int threads, const std::string &precision) {
  dlc::Session::Options options;
  options.device = device;
  options.numThreads = threads;
  options.precision = precision;
  dlc::Session session(executable, options);
  if (!session.deviceNote().empty())
    fmt::print(stderr, "dlrun: {}\n", session.deviceNote());
  return session;
}

} // namespace dlc::tools

#endif // DLC_TOOLS_DLRUN_COMMON_H
