#include "doctor.h"

#include "check_device.h"
#include "device.h"
#include "executable.h"
#include "session.h"

#include <fmt/format.h>

#include <cstdio>

#include <thread>

namespace dlc::tools {

using rt::compareWithCpu;
using rt::describeCudaEnvironment;
using rt::Device;
using rt::DeviceComparison;
using rt::DeviceOptions;
using rt::Executable;
using rt::formatComparison;
using rt::openDevice;
using rt::Status;

namespace {

[[noreturn]] void fail(const Status &status) { throw dlc::Error(status.code(), status.message()); }

std::shared_ptr<const Executable> load(const std::string &path) {
  std::shared_ptr<const Executable> executable;
  Status status = Executable::loadFile(path, &executable);
  if (!status.ok())
    fail(status);
  return executable;
}

/// "yes" or "no: why" for running `executable` on `device`.
std::string canRun(const Executable &executable, const std::string &device) {
  std::unique_ptr<Device> opened;
  std::string note;
  Status status = openDevice(device, DeviceOptions(), executable, &opened, &note);
  return status.ok() ? "yes, on " + opened->name() : "no: " + status.message();
}

} // namespace

void printInfo(const std::string &model) {
  fmt::print("dlc runtime: CPU backend (oneDNN), {} hardware threads, {} loops{}\n",
             std::thread::hardware_concurrency(), dlc::rt::cpuVectorIsa(),
             std::string(dlc::rt::cpuVectorIsa()) == "avx512" ? "" : ", matmuls on OpenBLAS");
  fmt::print("{}", describeCudaEnvironment());
  if (model.empty())
    return;
  std::shared_ptr<const Executable> executable = load(model);
  std::string targets;
  if (const auto *list = executable->root().targets())
    for (const flatbuffers::String *t : *list)
      targets += (targets.empty() ? "" : ", ") + t->str();
  fmt::print("{} (model {}, targets {}):\n", model, executable->modelName(),
             targets.empty() ? "any" : targets);
  fmt::print("  cpu:  {}\n", canRun(*executable, "cpu"));
  fmt::print("  cuda: {}\n", canRun(*executable, "cuda"));
  std::unique_ptr<Device> chosen;
  std::string note;
  Status status = openDevice("auto", DeviceOptions(), *executable, &chosen, &note);
  fmt::print("  --device auto runs it on {}\n",
             status.ok() ? chosen->name() : "nothing: " + status.message());
}

namespace {

/// Checks one model; returns the number of entry points beyond tolerance.
int checkModel(const CheckDeviceOptions &options, const std::string &model) {
  std::shared_ptr<const Executable> executable = load(model);
  std::vector<std::string> entries;
  if (!options.entry.empty()) {
    entries.push_back(options.entry);
  } else {
    for (size_t e = 0; e < executable->entryPointCount(); ++e)
      entries.push_back(executable->entryPointName(e));
  }
  DeviceOptions deviceOptions;
  deviceOptions.threads = options.threads;
  deviceOptions.tf32 = options.precision == "tf32";
  int beyond = 0;
  for (const std::string &entry : entries) {
    DeviceComparison comparison;
    Status status = compareWithCpu(executable, entry, options.device, deviceOptions, &comparison);
    if (!status.ok())
      fail(status.withContext(fmt::format("checking '{}' on {}", entry, options.device)));
    fmt::print("{}: {}", model, formatComparison(comparison));
    std::fflush(stdout);
    beyond += comparison.firstBeyond >= 0;
  }
  return beyond;
}

} // namespace

int checkDevice(const CheckDeviceOptions &options) {
  int beyond = 0, failed = 0;
  for (const std::string &model : options.models) {
    if (options.models.size() == 1) {
      beyond += checkModel(options, model);
      continue;
    }
    try {
      beyond += checkModel(options, model);
    } catch (const dlc::Error &error) {
      fmt::print("{}: error: {}\n", model, error.what());
      ++failed;
    }
  }
  if (beyond > 0 || failed > 0) {
    fmt::print(stderr, "dlrun: {}{}{} on {}\n",
               beyond ? fmt::format("{} entry points have commands beyond tolerance", beyond) : "",
               beyond && failed ? ", " : "",
               failed ? fmt::format("{} models could not be checked", failed) : "", options.device);
    return 1;
  }
  return 0;
}

} // namespace dlc::tools
