// `dlrun --check-device`: every command of an entry point on a device and on
// the CPU from the same inputs, compared one command at a time.
//
// Both sessions start from the same parameters. Before each CPU command
// runs, the buffers it (and its counterpart on the device) reads are taken
// from the CPU session and written into the device session; then both run
// and the buffers they write are compared. Each command is thus checked on
// its own inputs, so an error is found where it arises instead of where it
// has grown. The device form may split a CPU command in several (cuDNN's
// pooling gradient, then a mask kernel); they are checked as one.
#ifndef DLC_RUNTIME_SRC_CHECK_DEVICE_H
#define DLC_RUNTIME_SRC_CHECK_DEVICE_H

#include "session.h"

#include <string>
#include <vector>

namespace dlc::rt {

/// The buffers a command reads and writes (a buffer updated in place is in
/// both).
struct CommandOperands {
  std::vector<uint32_t> reads, writes;
};
CommandOperands commandOperands(const fb::Executable &executable, const fb::Command &command);

struct CommandComparison {
  std::string description;   // "model.mlir:12:5: matmul" of the CPU command
  size_t deviceCommands = 0; // its counterparts on the device
  std::string worstBuffer;   // the written buffer with the largest error
  double maxAbsError = 0, maxRelError = 0;
  /// The largest |device - cpu| / (atol + rtol |cpu|): above 1 is beyond
  /// tolerance.
  double tolerance = 0;
  bool compared = false; // false: no counterpart on the device
};

struct DeviceComparison {
  std::string entry, device;
  double rtol = 0; // for f32 results (f64, f16, bf16 scale from it)
  std::vector<CommandComparison> commands;
  int firstBeyond = -1; // the first command beyond tolerance, or -1
};

/// Runs the comparison of entry point `entry` on `deviceName` (any name
/// openDevice takes, "auto" aside) against the CPU. Inputs are filled with
/// reproducible values: floats in [-1, 1), integers within what their
/// readers accept (labels below the class count, indices below the table's
/// rows).
Status compareWithCpu(std::shared_ptr<const Executable> executable, const std::string &entry,
                      const std::string &deviceName, const DeviceOptions &options,
                      DeviceComparison *out);

/// The comparison as a table, the first command beyond tolerance named.
std::string formatComparison(const DeviceComparison &comparison);

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_CHECK_DEVICE_H
