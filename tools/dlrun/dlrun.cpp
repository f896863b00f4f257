// dlrun: runs a compiled model. Inference: bind inputs from .npy (or IDX)
// files, run an entry point (forward by default), write outputs as .npy.
#include "dlc/runtime.h"
#include "idx.h"
#include "npy.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace dlc::rt;

namespace {

struct Options {
  std::string model;
  std::string entry = "forward";
  std::vector<std::string> inputs; // NAME=FILE
  std::string output;              // FILE.npy or DIR
  std::string params;              // .safetensors
  std::string device = "cpu";
  int threads = 0;
};

/// Prints the status's message (if any), frees it, and says whether it was OK.
bool check(dlc_status *status) {
  if (!status)
    return true;
  fmt::print(stderr, "dlrun: {}\n", dlc_status_get_message(status));
  dlc_status_free(status);
  return false;
}

template <typename T, void (*Release)(T *)> struct Releaser {
  void operator()(T *p) const { Release(p); }
};
using ExecutablePtr =
    std::unique_ptr<dlc_executable, Releaser<dlc_executable, dlc_executable_release>>;
using SessionPtr = std::unique_ptr<dlc_session, Releaser<dlc_session, dlc_session_release>>;

std::string describe(const dlc_tensor_info &info) {
  std::string text = "tensor<";
  for (int i = 0; i < info.rank; ++i)
    text += fmt::format("{}x", info.shape[i]);
  return text + dlc_dtype_name(info.dtype) + ">";
}

/// Data files by extension: .npy, else MNIST IDX (plain or .gz).
Status readTensor(const std::string &path, HostTensor *out) {
  if (fs::path(path).extension() == ".npy")
    return readNpy(path, out);
  return readIdx(path, out);
}

int runInference(const Options &options) {
  dlc_executable *rawExecutable = nullptr;
  if (!check(dlc_executable_load_file(options.model.c_str(), &rawExecutable)))
    return 1;
  ExecutablePtr executable(rawExecutable);

  size_t inputCount = 0, outputCount = 0;
  if (!check(dlc_executable_entry_point_io(executable.get(), options.entry.c_str(), &inputCount,
                                           &outputCount)))
    return 1;

  dlc_session_options sessionOptions{options.device.c_str(), options.threads, 0};
  dlc_session *rawSession = nullptr;
  if (!check(dlc_session_create(executable.get(), &sessionOptions, &rawSession)))
    return 1;
  SessionPtr session(rawSession);
  if (!options.params.empty() &&
      !check(dlc_session_load_parameters(session.get(), options.params.c_str())))
    return 1;

  std::vector<bool> bound(inputCount, false);
  for (const std::string &binding : options.inputs) {
    size_t equals = binding.find('=');
    if (equals == std::string::npos || equals == 0) {
      fmt::print(stderr, "dlrun: --input takes NAME=FILE, got '{}'\n", binding);
      return 1;
    }
    std::string name = binding.substr(0, equals), path = binding.substr(equals + 1);
    size_t index = inputCount;
    dlc_tensor_info info{};
    for (size_t i = 0; i < inputCount; ++i) {
      if (!check(dlc_executable_input_info(executable.get(), options.entry.c_str(), i, &info)))
        return 1;
      if (name == info.name) {
        index = i;
        break;
      }
    }
    if (index == inputCount) {
      std::string names;
      for (size_t i = 0; i < inputCount; ++i) {
        dlc_tensor_info other{};
        if (!dlc_executable_input_info(executable.get(), options.entry.c_str(), i, &other))
          names += (i ? ", " : "") + std::string(other.name);
      }
      fmt::print(stderr, "dlrun: '{}' has no input '{}'; its inputs: {}\n", options.entry, name,
                 names);
      return 1;
    }
    HostTensor tensor;
    Status status = readTensor(path, &tensor);
    if (!status.ok()) {
      fmt::print(stderr, "dlrun: {}\n", status.message());
      return 1;
    }
    if (!check(dlc_session_set_input(session.get(), options.entry.c_str(), name.c_str(),
                                     static_cast<dlc_dtype>(tensor.dtype), tensor.shape.dims.data(),
                                     tensor.shape.rank, tensor.bytes.data(),
                                     tensor.bytes.size())))
      return 1;
    bound[index] = true;
  }
  for (size_t i = 0; i < inputCount; ++i) {
    dlc_tensor_info info{};
    if (!bound[i] &&
        check(dlc_executable_input_info(executable.get(), options.entry.c_str(), i, &info))) {
      fmt::print(stderr, "dlrun: '{}' needs input '{}' ({}); pass --input {}=FILE.npy\n",
                 options.entry, info.name, describe(info), info.name);
      return 1;
    }
  }

  if (!check(dlc_session_run(session.get(), options.entry.c_str())))
    return 1;

  bool toDirectory = !options.output.empty() &&
                     (fs::is_directory(options.output) || options.output.back() == '/');
  if (!options.output.empty() && !toDirectory && outputCount != 1) {
    fmt::print(stderr,
               "dlrun: '{}' has {} outputs; give --output a directory to write one .npy each\n",
               options.entry, outputCount);
    return 1;
  }
  for (size_t i = 0; i < outputCount; ++i) {
    dlc_tensor_info info{};
    if (!check(dlc_executable_output_info(executable.get(), options.entry.c_str(), i, &info)))
      return 1;
    HostTensor tensor;
    tensor.dtype = static_cast<dlc::fb::DType>(info.dtype);
    tensor.shape.rank = info.rank;
    std::copy(info.shape, info.shape + info.rank, tensor.shape.dims.begin());
    tensor.bytes.resize(info.size_bytes);
    if (!check(dlc_session_get_output(session.get(), options.entry.c_str(), info.name,
                                      tensor.bytes.data(), tensor.bytes.size())))
      return 1;
    if (options.output.empty()) {
      fmt::print("{}: {}\n", info.name, describe(info));
      continue;
    }
    std::string path = toDirectory ? (fs::path(options.output) / (std::string(info.name) + ".npy"))
                                         .string()
                                   : options.output;
    Status status = writeNpy(path, tensor);
    if (!status.ok()) {
      fmt::print(stderr, "dlrun: {}\n", status.message());
      return 1;
    }
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"dlrun: runs a model compiled by `dlc compile`"};
  Options options;
  app.add_option("model", options.model, "The compiled model (.fb)")->required();
  app.add_option("--entry", options.entry, "Entry point to run")->capture_default_str();
  app.add_option("--input", options.inputs,
                 "NAME=FILE: bind an input to a .npy file (or MNIST IDX, .gz too)");
  app.add_option("--output", options.output,
                 "Write the output to FILE.npy, or every output to DIR/NAME.npy");
  app.add_option("--params", options.params, "Load parameters from a .safetensors file");
  app.add_option("--device", options.device, "cpu")->capture_default_str();
  app.add_option("--threads", options.threads, "Threads (0: one per core)")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError &error) {
    return app.exit(error);
  }
  return runInference(options);
}
