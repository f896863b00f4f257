// dlrun --info (the environment doctor) and dlrun --check-device.
#ifndef DLC_TOOLS_DLRUN_DOCTOR_H
#define DLC_TOOLS_DLRUN_DOCTOR_H

#include "dlc/runtime.hpp"

#include <string>
#include <vector>

namespace dlc::tools {

/// The CPU, the NVIDIA driver and each GPU, which CUDA libraries were found
/// where; with `model`, whether each device can run it and why not. Never
/// fails for want of a GPU.
void printInfo(const std::string &model);

struct CheckDeviceOptions {
  std::vector<std::string> models;
  std::string device, entry; // entry "": every entry point
  std::string precision = "fp32";
  int threads = 0;
};

/// Compares every command of the entry point(s) of each model on the device
/// with the CPU and prints a table per entry point; returns the exit status
/// (1 when a command is beyond tolerance or a model could not be checked).
/// With one model, an error that stops the check is thrown (dlc::Error);
/// with several, it is printed as "FILE: error: ..." and the next goes on.
int checkDevice(const CheckDeviceOptions &options);

} // namespace dlc::tools

#endif // DLC_TOOLS_DLRUN_DOCTOR_H
