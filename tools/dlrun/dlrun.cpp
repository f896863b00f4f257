// dlrun: runs a compiled model. Inference: bind inputs from .npy (or IDX)
// files, run an entry point (forward by default), write outputs as .npy.
// Training (--train): see train.cpp.
#include "common.h"
#include "dlc/runtime.hpp"
#include "doctor.h"
#include "generate.h"
#include "idx.h"
#include "npy.h"
#include "progress.h"
#include "train.h"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace dlc::rt;

namespace {

#ifdef DLC_DLRUN_PNG
constexpr const char *kPlotHelp = "Draw loss and metrics against steps to this .svg or .png";
#else
constexpr const char *kPlotHelp =
    "Draw loss and metrics against steps to this .svg (built without libpng: no .png)";
#endif

struct Options {
  std::string model;
  std::string entry = "forward";
  std::vector<std::string> inputs; // NAME=FILE
  std::string output;              // FILE.npy or DIR
  std::string params;              // .safetensors
  std::string device = "auto";
  std::string precision = "fp32";
  int threads = 0;
};

std::string describe(const dlc::TensorInfo &info) {
  std::string text = "tensor<";
  for (int64_t d : info.shape)
    text += fmt::format("{}x", d);
  return text + dlc_dtype_name(info.dtype) + ">";
}

/// Data files by extension: .npy, else MNIST IDX (plain or .gz).
HostTensor readTensor(const std::string &path) {
  HostTensor tensor;
  Status status =
      fs::path(path).extension() == ".npy" ? readNpy(path, &tensor) : readIdx(path, &tensor);
  if (!status.ok())
    throw dlc::Error(status.code(), status.message());
  return tensor;
}

/// Binds every --input, runs the entry point, writes or lists its outputs.
/// Errors are thrown (dlc::Error, from the C++ wrapper of the C API) and
/// reported by main.
void runInference(const Options &options) {
  dlc::Executable executable = dlc::Executable::loadFile(options.model);
  const std::vector<dlc::TensorInfo> inputs = executable.inputs(options.entry);
  const std::vector<dlc::TensorInfo> outputs = executable.outputs(options.entry);

  dlc::Session session =
      dlc::tools::openSession(executable, options.device, options.threads, options.precision);
  if (!options.params.empty())
    session.loadParameters(options.params);

  std::vector<bool> bound(inputs.size(), false);
  for (const std::string &binding : options.inputs) {
    size_t equals = binding.find('=');
    if (equals == std::string::npos || equals == 0)
      throw dlc::Error(DLC_INVALID_ARGUMENT,
                       fmt::format("--input takes NAME=FILE, got '{}'", binding));
    std::string name = binding.substr(0, equals), path = binding.substr(equals + 1);
    auto input = std::find_if(inputs.begin(), inputs.end(),
                              [&](const dlc::TensorInfo &info) { return info.name == name; });
    if (input == inputs.end()) {
      std::string names;
      for (const dlc::TensorInfo &info : inputs)
        names += (names.empty() ? "" : ", ") + info.name;
      throw dlc::Error(DLC_NOT_FOUND, fmt::format("'{}' has no input '{}'; its inputs: {}",
                                                  options.entry, name, names));
    }
    HostTensor tensor = readTensor(path);
    session.setInput(options.entry, name, static_cast<dlc_dtype>(tensor.dtype),
                     std::vector<int64_t>(tensor.shape.dims.begin(),
                                          tensor.shape.dims.begin() + tensor.shape.rank),
                     tensor.bytes.data(), tensor.bytes.size());
    bound[input - inputs.begin()] = true;
  }
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!bound[i])
      throw dlc::Error(DLC_INVALID_ARGUMENT,
                       fmt::format("'{}' needs input '{}' ({}); pass --input {}=FILE.npy",
                                   options.entry, inputs[i].name, describe(inputs[i]),
                                   inputs[i].name));

  session.run(options.entry);

  bool toDirectory =
      !options.output.empty() && (fs::is_directory(options.output) || options.output.back() == '/');
  if (toDirectory && !fs::is_directory(options.output)) {
    std::error_code error;
    fs::create_directories(options.output, error);
    if (error)
      throw dlc::Error(DLC_IO_ERROR, fmt::format("cannot create the output directory {}: {}",
                                                 options.output, error.message()));
  }
  if (!options.output.empty() && !toDirectory && outputs.size() != 1)
    throw dlc::Error(DLC_INVALID_ARGUMENT,
                     fmt::format("'{}' has {} outputs; give --output a directory to write one "
                                 ".npy each",
                                 options.entry, outputs.size()));
  for (const dlc::TensorInfo &info : outputs) {
    if (options.output.empty()) {
      fmt::print("{}: {}\n", info.name, describe(info));
      continue;
    }
    HostTensor tensor;
    tensor.dtype = static_cast<dlc::fb::DType>(info.dtype);
    tensor.shape.rank = static_cast<int>(info.shape.size());
    std::copy(info.shape.begin(), info.shape.end(), tensor.shape.dims.begin());
    tensor.bytes.resize(info.sizeBytes);
    session.getOutput(options.entry, info.name, tensor.bytes.data(), tensor.bytes.size());
    std::string path =
        toDirectory ? (fs::path(options.output) / (info.name + ".npy")).string() : options.output;
    Status status = writeNpy(path, tensor);
    if (!status.ok())
      throw dlc::Error(status.code(), status.message());
  }
}

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"dlrun: runs a model compiled by `dlc compile`"};
  app.set_version_flag("--version", std::string("dlrun ") + dlc_runtime_version());
  Options options;
  std::vector<std::string> models;
  auto *model =
      app.add_option("model", models, "The compiled model (.fb); several with --check-device");
  app.add_option("--entry", options.entry, "Entry point to run")->capture_default_str();
  app.add_option("--input", options.inputs,
                 "NAME=FILE: bind an input to a .npy file (or MNIST IDX, .gz too)");
  app.add_option("--output", options.output,
                 "Write the output to FILE.npy, or every output to DIR/NAME.npy");
  app.add_option("--params", options.params, "Load parameters from a .safetensors file");
  app.add_option("--device", options.device,
                 "auto (the GPU when there is one the file can use, else the CPU, saying why), "
                 "cpu, cuda or cuda:N; or cuda-emulated:KERNELS.so: the file's CUDA form on the "
                 "CPU with the host build of its kernels (dlc compile --emit=host-kernels), for "
                 "testing")
      ->capture_default_str();
  app.add_option("--precision", options.precision,
                 "fp32: f32 products in full f32 on the GPU; tf32: cuBLASLt and cuDNN may round "
                 "them to TF32 (faster on tensor cores)")
      ->check(CLI::IsMember({"fp32", "tf32"}))
      ->capture_default_str();
  bool info = false;
  app.add_flag("--info", info,
               "Describe the machine (CPU, NVIDIA driver, GPUs, cuBLASLt and cuDNN: which copy, "
               "where) and, given a model, whether each device can run it");
  std::string checkDevice;
  app.add_option("--check-device", checkDevice,
                 "Run every command of --entry (default: every entry point) on this device "
                 "(cuda, cuda:N, cuda-emulated:KERNELS.so) and on the CPU from the same inputs, "
                 "and print each command's largest difference; exit 1 if one is beyond "
                 "tolerance");
  app.add_option("--threads", options.threads, "Threads (0: one per core)")->capture_default_str();
  bool training = false;
  dlc::tools::TrainOptions train;
  app.add_flag("--train", training, "Train the model (its train_step entry point)");
  auto *epochs = app.add_option("--epochs", train.epochs, "Train until N epochs in all");
  auto *steps = app.add_option("--steps", train.steps, "Train until N steps in all");
  epochs->excludes(steps);
  app.add_option("--eval-every", train.evalEvery,
                 "Evaluate on the test split every N steps (default: after each epoch)");
  app.add_option("--report-every", train.reportEvery,
                 "Print progress every N steps (default: ten times an epoch)");
  app.add_option("--data", train.data,
                 "Training and test data: a directory of MNIST-style IDX files (.gz too), an "
                 ".npz with x_train, y_train, x_test, y_test, or a text file (.txt, .txt.gz, "
                 ".text) for a model of bytes (default: the model's dl.dataset)");
  app.add_option("--log", train.log, "Append JSON lines of metrics to this file");
  app.add_option("--plot", train.plot, kPlotHelp);
  app.add_option("--checkpoint", train.checkpoint,
                 "Save parameters, optimizer state and step here after each epoch (atomically)");
  app.add_option("--resume", train.resume, "Continue from a checkpoint");
  app.add_option("--seed", train.seed, "Seed of the data order (and of random data)");
  int64_t generateCount = -1;
  dlc::tools::GenerateOptions generation;
  auto *generateOption = app.add_option(
      "--generate", generateCount,
      "Print the prompt, then N bytes sampled from a model of text (its forward entry point), "
      "streaming as they come");
  app.add_option("--prompt", generation.prompt,
                 "The text --generate continues (default: a "
                 "newline, not printed)");
  app.add_option("--temperature", generation.temperature,
                 "Divides the logits before sampling; 0 always takes the most likely byte")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--top-k", generation.topK, "Sample among the K most likely bytes only (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  std::string progressMode = "auto";
  app.add_option("--progress", progressMode,
                 "auto (a bar updated in place when standard output is a terminal, else lines), "
                 "bar or lines")
      ->check(CLI::IsMember({"auto", "bar", "lines"}))
      ->capture_default_str();
  std::string stopWhen;
  app.add_option("--stop-when", stopWhen,
                 "METRIC>=VALUE or METRIC<=VALUE: stop after the first evaluation that reaches it "
                 "(e.g. accuracy>=0.916); the log's elapsed_s says when")
      ->check([&train](const std::string &text) {
        std::string why;
        return dlc::tools::parseStopWhen(text, &train, &why) ? std::string() : why;
      });
  bool noShuffle = false;
  app.add_flag("--no-shuffle", noShuffle,
               "Take the training samples in file order (to compare with another framework)");
  try {
    app.parse(argc, argv);
    if (!info && model->count() == 0)
      throw CLI::RequiredError("model");
    if (models.size() > 1 && checkDevice.empty())
      throw CLI::ValidationError("model", "dlrun takes one model (several only with "
                                          "--check-device)");
    if (!models.empty())
      options.model = models[0];
  } catch (const CLI::ParseError &error) {
    return app.exit(error);
  }
  try {
    if (info) {
      dlc::tools::printInfo(options.model);
      return 0;
    }
    if (!checkDevice.empty()) {
      dlc::tools::CheckDeviceOptions check;
      check.models = models;
      check.device = checkDevice;
      check.entry = app.get_option("--entry")->count() ? options.entry : "";
      check.precision = options.precision;
      check.threads = options.threads;
      return dlc::tools::checkDevice(check);
    }
    if (generateOption->count()) {
      if (training)
        throw dlc::Error(DLC_INVALID_ARGUMENT, "--generate and --train are separate runs");
      generation.model = options.model;
      generation.device = options.device;
      generation.precision = options.precision;
      generation.threads = options.threads;
      generation.params = options.params;
      generation.count = generateCount;
      generation.seed = train.seed;
      dlc::tools::generate(generation);
      return 0;
    }
    if (training) {
      train.model = options.model;
      train.device = options.device;
      train.precision = options.precision;
      train.threads = options.threads;
      train.params = options.params;
      train.shuffle = !noShuffle;
      train.progressBar =
          progressMode == "bar" || (progressMode == "auto" && dlc::tools::stdoutIsTerminal());
      dlc::tools::train(train);
      return 0;
    }
    runInference(options);
  } catch (const std::exception &error) { // dlc::Error and filesystem errors alike
    fmt::print(stderr, "dlrun: {}\n", error.what());
    return 1;
  }
  return 0;
}
