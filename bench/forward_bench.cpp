// forward_bench: times an entry point of a compiled model through the
// runtime's C API, as an application would run it: per iteration, set the
// inputs, run, and copy the outputs out. Prints one JSON line.
//
//   forward_bench MODEL.fb [--input [NAME=]FILE.npy]... [--threads N]
//                 [--params P.safetensors] [--save-params P.safetensors]
//                 [--output OUT.npy] [--entry forward] [--warmup W] [--iters K]
//                 [--seed S] [--label TEXT] [--device D] [--precision fp32|tf32]
//                 [--sync-every B]
//
// --device (default cpu) takes what dlrun does (cuda, cuda:N, auto).
// --sync-every B: a timed sample is B iterations whose outputs are fetched
// (dlc_session_fetch_output) and delivered by one dlc_session_synchronize at
// its end, the time per iteration its time / B. B = 1 (the default) is the
// latency of one iteration; on a GPU a larger B is the throughput of a loop
// that does not wait for each step, as dlrun --train runs.
//
// --save-params writes the session's parameters (after --params, if given)
// and, without inputs, stops there: that is how bench/forward.py gives
// PyTorch and ONNX Runtime the same weights. --output writes the first
// output of the last run as .npy, for checking the peers against it.
#include "dlc/runtime.h"
#include "npy.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <sys/resource.h>

using namespace dlc::rt;

namespace {

bool check(dlc_status *status) {
  if (!status)
    return true;
  std::fprintf(stderr, "forward_bench: %s\n", dlc_status_get_message(status));
  dlc_status_free(status);
  return false;
}

template <typename T, void (*Release)(T *)> struct Releaser {
  void operator()(T *p) const { Release(p); }
};
using ExecutablePtr =
    std::unique_ptr<dlc_executable, Releaser<dlc_executable, dlc_executable_release>>;
using SessionPtr = std::unique_ptr<dlc_session, Releaser<dlc_session, dlc_session_release>>;

struct Options {
  std::string model, entry = "forward", params, saveParams, output, label;
  std::string device = "cpu", precision = "fp32";
  std::vector<std::string> inputs; // [NAME=]FILE
  int threads = 0, warmup = 10, iters = 50, syncEvery = 1;
  uint64_t seed = 0;
};

void usage() {
  std::fprintf(stderr, "usage: forward_bench MODEL.fb [--input [NAME=]FILE.npy]... [--threads N]\n"
                       "         [--params P.safetensors] [--save-params P.safetensors]\n"
                       "         [--output OUT.npy] [--entry forward] [--warmup W] [--iters K]\n"
                       "         [--seed S] [--label TEXT] [--device D] [--precision fp32|tf32]\n"
                       "         [--sync-every B]\n");
}

bool parse(int argc, char **argv, Options *o) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char *flag) -> const char * {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "forward_bench: %s needs a value\n", flag);
        return nullptr;
      }
      return argv[++i];
    };
    auto number = [&](const char *flag, long long minimum, long long *out) {
      const char *text = value(flag);
      if (!text)
        return false;
      char *end = nullptr;
      long long n = std::strtoll(text, &end, 10);
      if (*text == '\0' || *end != '\0' || n < minimum) {
        std::fprintf(stderr, "forward_bench: %s wants an integer >= %lld, got '%s'\n", flag,
                     minimum, text);
        return false;
      }
      *out = n;
      return true;
    };
    long long n = 0;
    const char *text = nullptr;
    if (arg == "-h" || arg == "--help") {
      usage();
      std::exit(0);
    } else if (arg == "--input") {
      if (!(text = value("--input")))
        return false;
      o->inputs.push_back(text);
    } else if (arg == "--threads") {
      if (!number("--threads", 0, &n))
        return false;
      o->threads = static_cast<int>(n);
    } else if (arg == "--warmup") {
      if (!number("--warmup", 0, &n))
        return false;
      o->warmup = static_cast<int>(n);
    } else if (arg == "--iters") {
      if (!number("--iters", 1, &n))
        return false;
      o->iters = static_cast<int>(n);
    } else if (arg == "--sync-every") {
      if (!number("--sync-every", 1, &n))
        return false;
      o->syncEvery = static_cast<int>(n);
    } else if (arg == "--seed") {
      if (!number("--seed", 0, &n))
        return false;
      o->seed = static_cast<uint64_t>(n);
    } else if (arg == "--params" || arg == "--save-params" || arg == "--output" ||
               arg == "--entry" || arg == "--label" || arg == "--device" || arg == "--precision") {
      if (!(text = value(arg.c_str())))
        return false;
      (arg == "--params"        ? o->params
       : arg == "--save-params" ? o->saveParams
       : arg == "--output"      ? o->output
       : arg == "--entry"       ? o->entry
       : arg == "--device"      ? o->device
       : arg == "--precision"   ? o->precision
                                : o->label) = text;
    } else if (!arg.empty() && arg[0] == '-') {
      std::fprintf(stderr, "forward_bench: unknown option '%s'\n", arg.c_str());
      usage();
      return false;
    } else if (o->model.empty()) {
      o->model = arg;
    } else {
      std::fprintf(stderr, "forward_bench: more than one model given ('%s')\n", arg.c_str());
      return false;
    }
  }
  if (o->model.empty()) {
    usage();
    return false;
  }
  return true;
}

struct BoundInput {
  std::string name;
  HostTensor tensor;
};

std::string jsonString(const std::string &text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

} // namespace

int main(int argc, char **argv) {
  Options o;
  if (!parse(argc, argv, &o))
    return 2;

  dlc_executable *rawExecutable = nullptr;
  if (!check(dlc_executable_load_file(o.model.c_str(), &rawExecutable)))
    return 1;
  ExecutablePtr executable(rawExecutable);
  const char *entry = o.entry.c_str();
  size_t inputCount = 0, outputCount = 0;
  if (!check(dlc_executable_entry_point_io(executable.get(), entry, &inputCount, &outputCount)))
    return 1;

  dlc_session_options sessionOptions{o.device.c_str(), o.threads, o.seed, o.precision.c_str()};
  dlc_session *rawSession = nullptr;
  if (!check(dlc_session_create(executable.get(), &sessionOptions, &rawSession)))
    return 1;
  SessionPtr session(rawSession);
  if (!o.params.empty() && !check(dlc_session_load_parameters(session.get(), o.params.c_str())))
    return 1;
  if (!o.saveParams.empty()) {
    if (!check(dlc_session_save_parameters(session.get(), o.saveParams.c_str())))
      return 1;
    if (o.inputs.empty())
      return 0;
  }

  // Inputs: NAME=FILE, or a bare FILE for an entry point with one input.
  std::vector<dlc_tensor_info> infos(inputCount);
  for (size_t i = 0; i < inputCount; ++i)
    if (!check(dlc_executable_input_info(executable.get(), entry, i, &infos[i])))
      return 1;
  std::vector<BoundInput> inputs;
  for (const std::string &binding : o.inputs) {
    size_t equals = binding.find('=');
    BoundInput input;
    std::string path = binding;
    if (equals != std::string::npos) {
      input.name = binding.substr(0, equals);
      path = binding.substr(equals + 1);
    } else if (inputCount == 1) {
      input.name = infos[0].name;
    } else {
      std::fprintf(stderr, "forward_bench: '%s' has %zu inputs; use --input NAME=FILE\n", entry,
                   inputCount);
      return 1;
    }
    Status status = readNpy(path, &input.tensor);
    if (!status.ok()) {
      std::fprintf(stderr, "forward_bench: %s\n", status.message().c_str());
      return 1;
    }
    inputs.push_back(std::move(input));
  }
  if (inputs.size() != inputCount) {
    std::fprintf(stderr, "forward_bench: '%s' takes %zu inputs, %zu given\n", entry, inputCount,
                 inputs.size());
    return 1;
  }

  std::vector<dlc_tensor_info> outputInfos(outputCount);
  std::vector<std::vector<uint8_t>> outputs(outputCount);
  for (size_t i = 0; i < outputCount; ++i) {
    if (!check(dlc_executable_output_info(executable.get(), entry, i, &outputInfos[i])))
      return 1;
    outputs[i].resize(outputInfos[i].size_bytes);
  }

  // One batch as an application runs it: the runtime wants its inputs set
  // again before each run (the arena reuses their memory). The outputs are
  // fetched: they arrive by the synchronize that ends the sample.
  auto runOnce = [&]() {
    for (const BoundInput &input : inputs) {
      const HostTensor &t = input.tensor;
      if (!check(dlc_session_set_input(session.get(), entry, input.name.c_str(),
                                       static_cast<dlc_dtype>(t.dtype), t.shape.dims.data(),
                                       t.shape.rank, t.bytes.data(), t.bytes.size())))
        return false;
    }
    if (!check(dlc_session_run(session.get(), entry)))
      return false;
    for (size_t i = 0; i < outputCount; ++i)
      if (!check(dlc_session_fetch_output(session.get(), entry, outputInfos[i].name,
                                          outputs[i].data(), outputs[i].size())))
        return false;
    return true;
  };
  auto sample = [&](int iterations) {
    for (int i = 0; i < iterations; ++i)
      if (!runOnce())
        return false;
    return check(dlc_session_synchronize(session.get()));
  };

  // The first run prepares the entry point (oneDNN primitives, a GPU's
  // libraries and CUDA graph); time it apart. Its scalar outputs (a loss at
  // the starting parameters) let a peer check that it computes the same.
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now();
  if (!sample(1))
    return 1;
  double firstMs = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  std::string firstScalars;
  for (size_t i = 0; i < outputCount; ++i)
    if (outputInfos[i].rank == 0 && outputInfos[i].dtype == DLC_F32) {
      float value;
      std::memcpy(&value, outputs[i].data(), sizeof value);
      char text[64];
      std::snprintf(text, sizeof text, "%s%s: %.9g", firstScalars.empty() ? "" : ", ",
                    jsonString(outputInfos[i].name).c_str(), value);
      firstScalars += text;
    }
  for (int i = 0; i < o.warmup; i += o.syncEvery)
    if (!sample(std::min(o.syncEvery, o.warmup - i)))
      return 1;
  auto minorFaults = [] {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<long long>(usage.ru_minflt);
  };
  std::vector<double> samples;
  samples.reserve(o.iters);
  long long faultsBefore = minorFaults();
  for (int i = 0; i < o.iters; ++i) {
    auto start = Clock::now();
    if (!sample(o.syncEvery))
      return 1;
    samples.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count() /
                      o.syncEvery);
  }
  double faultsPerIter = static_cast<double>(minorFaults() - faultsBefore) / o.iters;

  if (!o.output.empty() && outputCount > 0) {
    HostTensor out;
    out.dtype = static_cast<dlc::fb::DType>(outputInfos[0].dtype);
    out.shape.rank = outputInfos[0].rank;
    for (int d = 0; d < outputInfos[0].rank; ++d)
      out.shape.dims[d] = outputInfos[0].shape[d];
    out.bytes = outputs[0];
    Status status = writeNpy(o.output, out);
    if (!status.ok()) {
      std::fprintf(stderr, "forward_bench: %s\n", status.message().c_str());
      return 1;
    }
  }

  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  size_t n = sorted.size();
  double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  double mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / n;
  double variance = 0;
  for (double s : sorted)
    variance += (s - mean) * (s - mean);
  double stdev = n > 1 ? std::sqrt(variance / (n - 1)) : 0.0;
  int64_t batch =
      inputs.empty() || inputs[0].tensor.shape.rank == 0 ? 1 : inputs[0].tensor.shape.dims[0];
  int threads = o.threads > 0 ? o.threads : 0;
  std::printf(
      "{\"runtime\": \"dlc\", \"label\": %s, \"model\": %s, \"entry\": %s, "
      "\"device\": %s, \"precision\": %s, "
      "\"threads\": %d, \"batch\": %lld, \"warmup\": %d, \"iters\": %d, \"sync_every\": %d, "
      "\"first_run_ms\": %.4f, \"median_ms\": %.4f, \"mean_ms\": %.4f, "
      "\"min_ms\": %.4f, \"max_ms\": %.4f, \"stdev_ms\": %.4f, "
      "\"samples_per_s\": %.1f, \"minor_faults_per_iter\": %.2f, "
      "\"peak_memory_bytes\": %zu, \"first_outputs\": {%s}}\n",
      jsonString(o.label.empty() ? dlc_executable_model_name(executable.get()) : o.label).c_str(),
      jsonString(o.model).c_str(), jsonString(o.entry).c_str(),
      jsonString(dlc_session_device(session.get())).c_str(), jsonString(o.precision).c_str(),
      threads, static_cast<long long>(batch), o.warmup, o.iters, o.syncEvery, firstMs, median, mean,
      sorted[0], sorted[n - 1], stdev, batch * 1000.0 / median, faultsPerIter,
      dlc_session_peak_memory(session.get()), firstScalars.c_str());
  return 0;
}
