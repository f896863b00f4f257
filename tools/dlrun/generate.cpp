#include "generate.h"

#include "common.h"
#include "dlc/runtime.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <vector>

namespace dlc::tools {
namespace {

/// The byte to emit from one position's logits.
int sample(const float *logits, int vocab, double temperature, int64_t topK, SplitMix &random) {
  std::vector<int> order(static_cast<size_t>(vocab));
  std::iota(order.begin(), order.end(), 0);
  // Most likely first; ties keep the lower byte first (as argmax does).
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return logits[a] > logits[b]; });
  if (temperature <= 0 || topK == 1)
    return order[0];
  const size_t keep =
      topK > 0 ? std::min<size_t>(static_cast<size_t>(topK), order.size()) : order.size();
  std::vector<double> weights(keep);
  const double top = logits[order[0]];
  for (size_t i = 0; i < keep; ++i)
    weights[i] = std::exp((logits[order[i]] - top) / temperature);
  const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
  double u = random.uniform() * total;
  for (size_t i = 0; i < keep; ++i) {
    if (u < weights[i])
      return order[i];
    u -= weights[i];
  }
  return order[keep - 1];
}

} // namespace

void generate(const GenerateOptions &options) {
  dlc::Executable executable = dlc::Executable::loadFile(options.model);
  const std::vector<std::string> entries = executable.entryPoints();
  if (std::find(entries.begin(), entries.end(), "forward") == entries.end())
    fail(DLC_NOT_FOUND, fmt::format("{} has no forward entry point", options.model));
  const std::vector<dlc::TensorInfo> inputs = executable.inputs("forward");
  const std::vector<dlc::TensorInfo> outputs = executable.outputs("forward");
  const bool integer =
      !inputs.empty() && (inputs[0].dtype == DLC_I32 || inputs[0].dtype == DLC_I64);
  if (inputs.size() != 1 || inputs[0].shape.size() != 2 || !integer || outputs.empty() ||
      outputs[0].dtype != DLC_F32)
    fail(DLC_INVALID_ARGUMENT,
         fmt::format("--generate needs a model of bytes: a forward entry point that takes tokens "
                     "[batch, context] (i32 or i64) and returns f32 logits for each position; "
                     "{} does not",
                     options.model));
  const int64_t batch = inputs[0].shape[0], context = inputs[0].shape[1];
  const std::vector<int64_t> &shape = outputs[0].shape;
  int64_t positions = 1;
  for (size_t d = 0; d + 1 < shape.size(); ++d)
    positions *= shape[d];
  const int64_t vocab = shape.empty() ? 0 : shape.back();
  if (positions != batch * context || vocab < 1 || vocab > 256)
    fail(DLC_INVALID_ARGUMENT,
         fmt::format("--generate needs logits over at most 256 bytes for each of the {} x {} "
                     "positions; forward returns {} values per position for {} positions",
                     batch, context, vocab, positions));
  if (options.count < 0)
    fail(DLC_INVALID_ARGUMENT, "--generate takes a count of bytes >= 0");

  dlc::Session session =
      openSession(executable, options.device, options.threads, options.precision);
  if (!options.params.empty())
    session.loadParameters(options.params);
  fmt::print(stderr,
             "generating {} bytes with {} on {} (context {}, temperature {}, {}, seed {})\n",
             options.count, executable.modelName(), session.device(), context, options.temperature,
             options.topK > 0 ? fmt::format("top-k {}", options.topK) : std::string("all bytes"),
             options.seed);

  std::vector<uint8_t> text(options.prompt.begin(), options.prompt.end());
  if (text.empty())
    text.push_back('\n');
  std::fwrite(options.prompt.data(), 1, options.prompt.size(), stdout);
  std::fflush(stdout);

  SplitMix random{options.seed * 0x100000001B3ull + 0x2545F4914F6CDD1Dull};
  const size_t tokenBytes = inputs[0].sizeBytes / static_cast<size_t>(batch * context);
  std::vector<uint8_t> tokens(inputs[0].sizeBytes, 0);
  std::vector<float> logits(outputs[0].sizeBytes / sizeof(float));
  auto started = std::chrono::steady_clock::now();
  for (int64_t n = 0; n < options.count; ++n) {
    // The last `context` bytes in row 0, from its start; the positions after
    // them (and the other rows) hold zeros, which a causal model's earlier
    // positions do not see.
    const size_t length = std::min(text.size(), static_cast<size_t>(context));
    std::fill(tokens.begin(), tokens.end(), 0);
    for (size_t j = 0; j < length; ++j) {
      const int64_t value = text[text.size() - length + j];
      if (tokenBytes == 8)
        std::memcpy(tokens.data() + j * 8, &value, 8);
      else {
        const int32_t v = static_cast<int32_t>(value);
        std::memcpy(tokens.data() + j * 4, &v, 4);
      }
    }
    session.setInput("forward", inputs[0].name, inputs[0].dtype, inputs[0].shape, tokens.data(),
                     tokens.size());
    session.run("forward");
    session.getOutput("forward", outputs[0].name, logits.data(), logits.size() * sizeof(float));
    const int next = sample(logits.data() + (length - 1) * static_cast<size_t>(vocab),
                            static_cast<int>(vocab), options.temperature, options.topK, random);
    text.push_back(static_cast<uint8_t>(next));
    std::fputc(next, stdout);
    std::fflush(stdout);
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print(stderr, "\ngenerated {} bytes in {:.2f} s ({:.0f} bytes/s)\n", options.count, seconds,
             seconds > 0 ? static_cast<double>(options.count) / seconds : 0.0);
}

} // namespace dlc::tools
