// Philox4x32-10, the counter-based generator behind every random value the
// runtime makes (initializers, later dropout masks): each output depends
// only on (counter, key), so results do not depend on threads or order.
#ifndef DLC_RUNTIME_SRC_RANDOM_H
#define DLC_RUNTIME_SRC_RANDOM_H

#include <cstdint>

namespace dlc::rt {

struct PhiloxBlock {
  uint32_t x[4];
};

/// Philox4x32 with 10 rounds (Salmon et al., SC 2011; Random123's
/// philox4x32): 128-bit counter, 64-bit key (k0 = low half, k1 = high half).
inline PhiloxBlock philox4x32_10(PhiloxBlock counter, uint64_t key) {
  uint32_t c0 = counter.x[0], c1 = counter.x[1], c2 = counter.x[2], c3 = counter.x[3];
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (int round = 0; round < 10; ++round) {
    const uint64_t p0 = uint64_t(0xD2511F53u) * c0;
    const uint64_t p1 = uint64_t(0xCD9E8D57u) * c2;
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    if (round < 9) {
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
  }
  return {{c0, c1, c2, c3}};
}

/// The counter of element `index`: (low 32 bits, high 32 bits, 0, 0).
inline PhiloxBlock elementCounter(uint64_t index) {
  return {{static_cast<uint32_t>(index), static_cast<uint32_t>(index >> 32), 0, 0}};
}

/// A double in [0, 1) from the top 53 bits of (high << 32 | low).
inline double unitInterval(uint32_t low, uint32_t high) {
  const uint64_t bits = (uint64_t(high) << 32 | low) >> 11;
  return static_cast<double>(bits) * 0x1.0p-53;
}

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_RANDOM_H
