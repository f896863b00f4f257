// The training loop: data, shuffling, train_step, evaluation, progress,
// metrics log, plot and checkpoints.
#include "train.h"

#include "common.h"
#include "dlc/runtime.hpp"
#include "idx.h"
#include "npy.h"
#include "plot.h"
#include "progress.h"
#include "tensor.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <numeric>
#include <optional>

namespace fs = std::filesystem;
using namespace dlc::rt;

namespace dlc::tools {
namespace {

constexpr const char *kFashionMnist = "/usr/share/datasets/fashion-mnist";
// dl.dataset = "text": the Jargon File 4.4.7 (public domain), Debian's jargon-text.
constexpr const char *kTextCorpus = "/usr/share/doc/jargon-text/jargon.txt.gz";
constexpr const char *kStepCounter = "train.step";

void check(const Status &status) {
  if (!status.ok())
    fail(status.code(), status.message());
}

std::string describe(fb::DType dtype, const std::vector<int64_t> &shape) {
  std::string text = "tensor<";
  for (int64_t d : shape)
    text += fmt::format("{}x", d);
  return text + dtypeName(dtype) + ">";
}

/// Samples along the first dim of a host tensor.
struct Samples {
  fb::DType dtype;
  std::vector<int64_t> shape; // of one sample
  size_t sampleBytes = 0;
  int64_t count = 0;
  std::vector<uint8_t> bytes;
};

Samples samplesOf(HostTensor tensor, const std::string &what) {
  if (tensor.shape.rank < 1)
    fail(DLC_INVALID_ARGUMENT, fmt::format("{} is a scalar; expected one sample per row", what));
  Samples s;
  s.dtype = tensor.dtype;
  s.count = tensor.shape[0];
  s.shape.assign(tensor.shape.dims.begin() + 1, tensor.shape.dims.begin() + tensor.shape.rank);
  s.sampleBytes = s.count ? tensor.bytes.size() / static_cast<size_t>(s.count) : 0;
  s.bytes = std::move(tensor.bytes);
  return s;
}

struct Split {
  std::vector<Samples> columns; // one per input of train_step, in order
  int64_t count = 0;
};

/// A byte corpus: the first 90% trains, the rest is held out. A training
/// sample is a window of context + 1 bytes at a random place (the inputs and
/// the next-byte targets); the held-out bytes are read in consecutive
/// windows.
struct TextData {
  std::vector<uint8_t> train, test;
  int64_t context = 0;
};

struct Dataset {
  std::string description;
  Split train, test;
  bool fixedBatch = false;              // random data: the same batch every step
  std::shared_ptr<const TextData> text; // text: train/test counts are windows
};

std::vector<int64_t> permutation(int64_t n, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  SplitMix rng{seed * 0x100000001B3ull + static_cast<uint64_t>(epoch) + 1};
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(order[i], order[rng.next() % static_cast<uint64_t>(i + 1)]);
  return order;
}

HostTensor readData(const std::string &path) {
  HostTensor tensor;
  check(fs::path(path).extension() == ".npy" ? readNpy(path, &tensor) : readIdx(path, &tensor));
  return tensor;
}

/// The first of `names` that exists in `dir` (plain or .gz).
std::string findFile(const fs::path &dir, std::initializer_list<const char *> names) {
  for (const char *name : names)
    for (const char *suffix : {"", ".gz"}) {
      fs::path path = dir / (std::string(name) + suffix);
      if (fs::exists(path))
        return path.string();
    }
  fail(DLC_NOT_FOUND, fmt::format("{} has no {} (plain or .gz)", dir.string(), *names.begin()));
}

/// Training and test data with one column per input of train_step:
/// a directory in MNIST layout or an .npz with x_train, y_train, x_test,
/// y_test (two-input models: features and labels).
Dataset loadFiles(const std::string &where, size_t inputs) {
  if (inputs != 2)
    fail(DLC_INVALID_ARGUMENT,
         fmt::format("--data gives features and labels, but train_step takes {} inputs", inputs));
  Dataset d;
  d.description = where;
  if (fs::is_directory(where)) {
    fs::path dir(where);
    d.train.columns = {samplesOf(readData(findFile(dir, {"train-images-idx3-ubyte"})), "images"),
                       samplesOf(readData(findFile(dir, {"train-labels-idx1-ubyte"})), "labels")};
    d.test.columns = {samplesOf(readData(findFile(dir, {"t10k-images-idx3-ubyte"})), "images"),
                      samplesOf(readData(findFile(dir, {"t10k-labels-idx1-ubyte"})), "labels")};
  } else {
    std::vector<NamedHostTensor> arrays;
    check(readNpz(where, &arrays));
    auto take = [&](const char *name) {
      for (NamedHostTensor &a : arrays)
        if (a.name == name)
          return samplesOf(std::move(a.tensor), fmt::format("{}: {}", where, name));
      fail(DLC_NOT_FOUND, fmt::format("{} has no array '{}' (expected x_train, y_train, x_test, "
                                      "y_test)",
                                      where, name));
    };
    d.train.columns = {take("x_train"), take("y_train")};
    d.test.columns = {take("x_test"), take("y_test")};
  }
  for (Split *split : {&d.train, &d.test}) {
    split->count = split->columns[0].count;
    if (split->columns[1].count != split->count)
      fail(DLC_INVALID_ARGUMENT, fmt::format("{}: {} feature rows but {} labels", where,
                                             split->count, split->columns[1].count));
  }
  return d;
}

/// Reads a text file, gzip-compressed or not, as bytes.
std::vector<uint8_t> readText(const std::string &path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (!file)
    fail(DLC_NOT_FOUND, fmt::format("cannot open {}: {}", path, std::strerror(errno)));
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> chunk(1 << 20);
  for (;;) {
    int n = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (n < 0) {
      int code = 0;
      std::string why = gzerror(file, &code);
      gzclose(file);
      fail(DLC_IO_ERROR, fmt::format("cannot read {}: {}", path, why));
    }
    if (n == 0)
      break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + n);
    if (bytes.size() > (uint64_t{1} << 32)) {
      gzclose(file);
      fail(DLC_INVALID_ARGUMENT, fmt::format("{} holds more than 4 GiB of text", path));
    }
  }
  gzclose(file);
  return bytes;
}

bool isTextPath(const std::string &path) {
  auto ends = [&](std::string_view suffix) {
    return path.size() >= suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends(".txt") || ends(".txt.gz") || ends(".text");
}

bool isInteger(fb::DType dtype) {
  return dtype == fb::DType::I32 || dtype == fb::DType::I64 || dtype == fb::DType::U8;
}

/// A text corpus for a model whose train_step takes tokens [B, T] and
/// next-byte targets [B, T] (or [B * T]), integers.
Dataset loadText(const std::string &path, const std::vector<dlc::TensorInfo> &inputs) {
  const bool shaped = inputs.size() == 2 && inputs[0].shape.size() == 2 &&
                      isInteger(static_cast<fb::DType>(inputs[0].dtype)) &&
                      isInteger(static_cast<fb::DType>(inputs[1].dtype)) &&
                      (inputs[1].shape == inputs[0].shape ||
                       (inputs[1].shape.size() == 1 &&
                        inputs[1].shape[0] == inputs[0].shape[0] * inputs[0].shape[1]));
  if (!shaped) {
    std::vector<std::string> takes;
    for (const dlc::TensorInfo &input : inputs) {
      Shape shape;
      shape.rank = static_cast<int>(input.shape.size());
      std::copy(input.shape.begin(), input.shape.end(), shape.dims.begin());
      takes.push_back(
          fmt::format("{}: {}", input.name, describe(static_cast<fb::DType>(input.dtype), shape)));
    }
    fail(DLC_INVALID_ARGUMENT,
         fmt::format("text data feeds a train_step that takes byte tokens [batch, context] and "
                     "their next bytes [batch, context] or [batch * context], integers; this "
                     "one takes {}",
                     fmt::join(takes, ", ")));
  }
  auto text = std::make_shared<TextData>();
  const int64_t batch = inputs[0].shape[0], context = inputs[0].shape[1];
  text->context = context;
  std::vector<uint8_t> bytes = readText(path);
  const size_t split = bytes.size() / 10 * 9;
  text->train.assign(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(split));
  text->test.assign(bytes.begin() + static_cast<std::ptrdiff_t>(split), bytes.end());
  const int64_t need = batch * (context + 1);
  if (static_cast<int64_t>(text->test.size()) < need)
    fail(DLC_INVALID_ARGUMENT,
         fmt::format("{} holds {} bytes; its held-out tenth must fill a batch of {} windows of "
                     "{} + 1 bytes, so it needs at least {}",
                     path, bytes.size(), batch, context, need * 10));
  Dataset d;
  d.description = fmt::format("{} ({} bytes of text: {} to train on in random windows of {} + 1, "
                              "{} held out)",
                              path, bytes.size(), text->train.size(), context, text->test.size());
  d.train.count = static_cast<int64_t>(text->train.size()) / context; // windows per epoch
  d.test.count = (static_cast<int64_t>(text->test.size()) - 1) / context;
  d.text = std::move(text);
  return d;
}

/// Feeds `rows` windows of `text` to `entry`'s inputs: tokens and the next
/// bytes. Training windows start at a place drawn from the row number (a
/// step's rows are step * batch + i) and the seed; held-out window r starts
/// at r * context.
void setTextBatch(dlc::Session &session, const std::string &entry,
                  const std::vector<dlc::TensorInfo> &inputs, const TextData &text, bool training,
                  uint64_t seed, const int64_t *rows, std::vector<std::vector<uint8_t>> &staging) {
  const std::vector<uint8_t> &bytes = training ? text.train : text.test;
  const int64_t batch = inputs[0].shape[0], context = text.context;
  const uint64_t places = bytes.size() - static_cast<uint64_t>(context);
  staging.resize(2);
  for (size_t k = 0; k < 2; ++k)
    staging[k].resize(inputs[k].sizeBytes);
  for (int64_t i = 0; i < batch; ++i) {
    uint64_t start =
        training ? SplitMix{seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(rows[i])}.next() %
                       places
                 : static_cast<uint64_t>(rows[i] * context);
    for (int64_t j = 0; j < context; ++j)
      for (size_t k = 0; k < 2; ++k) {
        const int64_t value = bytes[start + static_cast<uint64_t>(j) + k];
        uint8_t *to = staging[k].data();
        const size_t at = static_cast<size_t>(i * context + j);
        switch (static_cast<fb::DType>(inputs[k].dtype)) {
        case fb::DType::I64:
          std::memcpy(to + at * 8, &value, 8);
          break;
        case fb::DType::I32: {
          const int32_t v = static_cast<int32_t>(value);
          std::memcpy(to + at * 4, &v, 4);
          break;
        }
        default:
          to[at] = static_cast<uint8_t>(value);
        }
      }
  }
  for (size_t k = 0; k < 2; ++k)
    session.setInput(entry, inputs[k].name, inputs[k].dtype, inputs[k].shape, staging[k].data(),
                     staging[k].size());
}

/// One fixed batch of standard-normal floats (integers: uniform in [0, 10))
/// for each input, as the model's `dl.dataset = "random"` asks.
Dataset randomData(const std::vector<dlc::TensorInfo> &inputs, uint64_t seed) {
  Dataset d;
  d.description = "random (one fixed batch)";
  d.fixedBatch = true;
  SplitMix rng{seed ^ 0x5DEECE66Dull};
  for (const dlc::TensorInfo &input : inputs) {
    HostTensor t;
    t.dtype = static_cast<fb::DType>(input.dtype);
    t.shape.rank = static_cast<int>(input.shape.size());
    std::copy(input.shape.begin(), input.shape.end(), t.shape.dims.begin());
    int64_t n = 1;
    for (int64_t dim : input.shape)
      n *= dim;
    t.bytes.resize(input.sizeBytes);
    for (int64_t i = 0; i < n; ++i) {
      if (t.dtype == fb::DType::F32) {
        float v = static_cast<float>(rng.normal());
        std::memcpy(t.bytes.data() + i * 4, &v, 4);
      } else if (t.dtype == fb::DType::F64) {
        double v = rng.normal();
        std::memcpy(t.bytes.data() + i * 8, &v, 8);
      } else if (t.dtype == fb::DType::I32) {
        int32_t v = static_cast<int32_t>(rng.next() % 10);
        std::memcpy(t.bytes.data() + i * 4, &v, 4);
      } else {
        fail(DLC_INVALID_ARGUMENT,
             fmt::format("random data for input '{}' of dtype {}", input.name, dtypeName(t.dtype)));
      }
    }
    d.train.columns.push_back(samplesOf(std::move(t), input.name));
  }
  d.train.count = d.train.columns[0].count;
  return d;
}

/// Converts one sample's elements to the input's dtype (integers between
/// integer types, ui8 to floats); anything else must match exactly.
void convertInto(const Samples &from, const uint8_t *src, fb::DType to, uint8_t *dst,
                 int64_t elements) {
  if (from.dtype == to) {
    std::memcpy(dst, src, from.sampleBytes);
    return;
  }
  for (int64_t i = 0; i < elements; ++i) {
    int64_t v = 0;
    switch (from.dtype) {
    case fb::DType::U8:
      v = src[i];
      break;
    case fb::DType::I32: {
      int32_t x;
      std::memcpy(&x, src + 4 * i, 4);
      v = x;
      break;
    }
    case fb::DType::I64:
      std::memcpy(&v, src + 8 * i, 8);
      break;
    default:
      break;
    }
    switch (to) {
    case fb::DType::I32: {
      int32_t x = static_cast<int32_t>(v);
      std::memcpy(dst + 4 * i, &x, 4);
      break;
    }
    case fb::DType::I64:
      std::memcpy(dst + 8 * i, &v, 8);
      break;
    case fb::DType::F32: {
      float x = static_cast<float>(v);
      std::memcpy(dst + 4 * i, &x, 4);
      break;
    }
    default:
      break;
    }
  }
}

/// Checks that column `c` can feed `input` (per-sample shape, convertible
/// dtype).
void checkColumn(const Samples &column, const dlc::TensorInfo &input, const std::string &split) {
  std::vector<int64_t> sample(input.shape.begin() + 1, input.shape.end());
  fb::DType to = static_cast<fb::DType>(input.dtype);
  bool integerFrom = column.dtype == fb::DType::U8 || column.dtype == fb::DType::I32 ||
                     column.dtype == fb::DType::I64;
  bool convertible = column.dtype == to ||
                     (integerFrom && (to == fb::DType::I32 || to == fb::DType::I64 ||
                                      (to == fb::DType::F32 && column.dtype == fb::DType::U8)));
  if (column.shape != sample || !convertible)
    fail(DLC_INVALID_ARGUMENT,
         fmt::format("{} data for input '{}' has samples of {}; the model takes {} per sample",
                     split, input.name, describe(column.dtype, column.shape),
                     describe(to, sample)));
}

/// Feeds the batch of rows `rows` of `split` to `entry`'s inputs.
void setBatch(dlc::Session &session, const std::string &entry,
              const std::vector<dlc::TensorInfo> &inputs, const Split &split, const int64_t *rows,
              std::vector<std::vector<uint8_t>> &staging) {
  staging.resize(inputs.size());
  for (size_t k = 0; k < inputs.size(); ++k) {
    const dlc::TensorInfo &input = inputs[k];
    const Samples &column = split.columns[k];
    int64_t batch = input.shape[0];
    size_t bytesPerSample = input.sizeBytes / static_cast<size_t>(batch);
    int64_t elements =
        static_cast<int64_t>(bytesPerSample / dtypeSize(static_cast<fb::DType>(input.dtype)));
    staging[k].resize(input.sizeBytes);
    for (int64_t i = 0; i < batch; ++i)
      convertInto(column, column.bytes.data() + rows[i] * column.sampleBytes,
                  static_cast<fb::DType>(input.dtype), staging[k].data() + i * bytesPerSample,
                  elements);
    session.setInput(entry, input.name, input.dtype, input.shape, staging[k].data(),
                     staging[k].size());
  }
}

std::string duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0)
    return "?";
  auto s = static_cast<int64_t>(seconds + 0.5);
  if (s >= 3600)
    return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
  if (s >= 60)
    return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}s", s);
}

/// Appends JSON lines to --log.
class MetricsLog {
public:
  explicit MetricsLog(const std::string &path) {
    if (path.empty())
      return;
    file_.open(path, std::ios::app);
    if (!file_)
      fail(DLC_IO_ERROR, fmt::format("cannot open the log {}: {}", path, std::strerror(errno)));
  }
  void write(const std::string &kind, int64_t epoch, int64_t step, double elapsedSeconds,
             const std::vector<std::string> &names, const std::vector<double> &values,
             std::optional<double> samplesPerSecond) {
    if (!file_.is_open())
      return;
    std::string line =
        fmt::format(R"({{"kind": "{}", "epoch": {}, "step": {}, "elapsed_s": {:.3f})", kind, epoch,
                    step, elapsedSeconds);
    for (size_t i = 0; i < names.size(); ++i)
      line += fmt::format(R"(, "{}": {})", names[i], json(values[i]));
    if (samplesPerSecond)
      line += fmt::format(R"(, "samples_per_s": {:.1f})", *samplesPerSecond);
    file_ << line << "}\n";
    file_.flush();
  }

private:
  static std::string json(double v) { return std::isfinite(v) ? fmt::format("{:.8g}", v) : "null"; }
  std::ofstream file_;
};

} // namespace

bool parseStopWhen(const std::string &text, TrainOptions *options, std::string *why) {
  size_t at = text.find(">=");
  bool atLeast = true;
  if (at == std::string::npos) {
    at = text.find("<=");
    atLeast = false;
  }
  std::string metric = at == std::string::npos ? std::string() : text.substr(0, at);
  std::string value = at == std::string::npos ? std::string() : text.substr(at + 2);
  char *end = nullptr;
  double number = value.empty() ? 0 : std::strtod(value.c_str(), &end);
  if (metric.empty() || value.empty() || *end != '\0' || !std::isfinite(number)) {
    *why = fmt::format("'{}' is not METRIC>=VALUE or METRIC<=VALUE (e.g. accuracy>=0.9)", text);
    return false;
  }
  options->stopMetric = metric;
  options->stopAtLeast = atLeast;
  options->stopValue = number;
  return true;
}

void train(const TrainOptions &options) {
  dlc::Executable executable = dlc::Executable::loadFile(options.model);
  std::vector<std::string> entries = executable.entryPoints();
  auto has = [&](const char *name) {
    return std::find(entries.begin(), entries.end(), name) != entries.end();
  };
  if (!has("train_step"))
    fail(DLC_NOT_FOUND,
         fmt::format("{} has no train_step entry point: compile a model with a `loss` function "
                     "and a dl.optimizer (and without --no-train)",
                     options.model));
  const std::vector<dlc::TensorInfo> inputs = executable.inputs("train_step");
  const std::vector<dlc::TensorInfo> outputs = executable.outputs("train_step");
  const bool canEval = has("eval");
  std::vector<std::string> names;
  for (const dlc::TensorInfo &o : outputs)
    names.push_back(o.name);
  if (names.empty())
    fail(DLC_INVALID_ARGUMENT, "train_step returns nothing; it should return the loss first");
  const int64_t batch = inputs.empty() ? 1 : inputs[0].shape.at(0);

  // Data.
  Dataset data;
  std::string dataset = executable.dataset();
  if (!options.data.empty() && isTextPath(options.data))
    data = loadText(options.data, inputs);
  else if (!options.data.empty())
    data = loadFiles(options.data, inputs.size());
  else if (dataset == "fashion_mnist")
    data = loadFiles(kFashionMnist, inputs.size());
  else if (dataset == "random")
    data = randomData(inputs, options.seed);
  else if (dataset == "text" && !fs::exists(kTextCorpus))
    fail(DLC_NOT_FOUND, fmt::format("the model trains on text, and the default corpus {} is not "
                                    "there: apt-get install jargon-text, or pass --data FILE.txt",
                                    kTextCorpus));
  else if (dataset == "text")
    data = loadText(kTextCorpus, inputs);
  else
    fail(DLC_INVALID_ARGUMENT, "the model names no default data (dl.dataset); pass --data DIR "
                               "(MNIST-style IDX files), --data FILE.npz or --data FILE.txt");
  for (size_t k = 0; k < inputs.size() && !data.text; ++k) {
    checkColumn(data.train.columns[k], inputs[k], "training");
    if (!data.fixedBatch)
      checkColumn(data.test.columns[k], inputs[k], "test");
  }
  size_t stopIndex = names.size(); // the metric --stop-when watches
  if (!options.stopMetric.empty()) {
    stopIndex = static_cast<size_t>(std::find(names.begin(), names.end(), options.stopMetric) -
                                    names.begin());
    if (stopIndex == names.size())
      fail(DLC_INVALID_ARGUMENT,
           fmt::format("--stop-when: the model reports no '{}' (it reports {})", options.stopMetric,
                       fmt::join(names, ", ")));
    if (!canEval || data.fixedBatch)
      fail(DLC_INVALID_ARGUMENT, "--stop-when needs evaluations on a test split: a model with an "
                                 "eval entry point and data with a test split");
  }
  const int64_t stepsPerEpoch = data.fixedBatch ? 1 : data.train.count / batch;
  if (stepsPerEpoch == 0)
    fail(DLC_INVALID_ARGUMENT,
         fmt::format("{} training samples do not fill one batch of {}", data.train.count, batch));
  int64_t totalSteps = options.steps;
  if (options.epochs > 0)
    totalSteps = options.epochs * stepsPerEpoch;
  if (totalSteps <= 0)
    totalSteps = data.fixedBatch ? 500 : stepsPerEpoch;

  // Session, starting parameters, resume.
  dlc::Session session =
      openSession(executable, options.device, options.threads, options.precision);
  uint64_t seed = options.seed;
  if (!options.resume.empty()) {
    session.loadParameters(options.resume);
    if (auto saved = session.metadata("seed"))
      seed = std::stoull(*saved);
  } else if (!options.params.empty()) {
    session.loadParameters(options.params);
  }
  session.setMetadata("seed", std::to_string(seed));
  auto stepCounter = [&] {
    int64_t step = 0;
    session.getParameter(kStepCounter, &step, sizeof step);
    return step;
  };
  int64_t step = stepCounter();

  const bool evalEachEpoch = options.evalEvery <= 0 && !data.fixedBatch;
  const int64_t reportEvery =
      options.reportEvery > 0 ? options.reportEvery : std::max<int64_t>(1, stepsPerEpoch / 10);
  const int64_t totalEpochs = (totalSteps + stepsPerEpoch - 1) / stepsPerEpoch;
  const int64_t evalBatches = canEval && !data.fixedBatch ? data.test.count / batch : 0;
  Progress progress(options.progressBar);
  progress.line(fmt::format("training {} on {}: {} training samples, batch {}, {} steps per "
                            "epoch, {} steps ({} epochs){}",
                            executable.modelName(), data.description, data.train.count, batch,
                            stepsPerEpoch, totalSteps, totalEpochs,
                            step > 0 ? fmt::format(", resuming at step {}", step) : std::string()));
  progress.line(fmt::format("device: {}", session.device()));

  MetricsLog log(options.log);
  std::optional<Plot> plot;
  if (!options.plot.empty())
    plot.emplace(options.plot);
  std::vector<std::vector<uint8_t>> staging;
  // The metrics of the steps since the last report: filled by the time the
  // session synchronizes (a deque keeps each row where it is).
  std::deque<std::vector<uint8_t>> window;
  std::vector<size_t> rowOffsets;
  size_t rowBytes = 0;
  for (const dlc::TensorInfo &o : outputs) {
    rowOffsets.push_back(rowBytes);
    rowBytes += std::max<size_t>(o.sizeBytes, sizeof(float));
  }
  using Clock = std::chrono::steady_clock;
  auto started = Clock::now(), lastReport = started, epochStarted = started;
  // Means since the epoch began (the bar's permanent line per epoch).
  std::vector<double> epochSums(names.size(), 0.0);
  double epochSteps = 0;
  const int64_t barEvery = std::max<int64_t>(1, stepsPerEpoch / 100);
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
  const int64_t firstStep = step;

  auto evaluate = [&](int64_t epoch) {
    if (evalBatches == 0)
      return std::vector<double>();
    std::vector<double> totals(names.size(), 0.0);
    std::vector<int64_t> rows(static_cast<size_t>(batch));
    const std::vector<dlc::TensorInfo> evalOutputs = executable.outputs("eval");
    for (int64_t b = 0; b < evalBatches; ++b) {
      std::iota(rows.begin(), rows.end(), b * batch);
      if (data.text)
        setTextBatch(session, "eval", executable.inputs("eval"), *data.text, false, seed,
                     rows.data(), staging);
      else
        setBatch(session, "eval", executable.inputs("eval"), data.test, rows.data(), staging);
      session.run("eval");
      for (size_t i = 0; i < evalOutputs.size() && i < names.size(); ++i)
        totals[i] += session.output<float>("eval", evalOutputs[i].name).at(0);
      progress.update("  eval ", static_cast<double>(b + 1) / static_cast<double>(evalBatches),
                      fmt::format("batch {}/{}", b + 1, evalBatches));
    }
    for (double &t : totals)
      t /= static_cast<double>(evalBatches);
    std::string line = fmt::format("  eval  epoch {} step {}:", epoch, step);
    for (size_t i = 0; i < names.size(); ++i)
      line += fmt::format(" {} {:.4f}", names[i], totals[i]);
    std::vector<std::string> logNames = names;
    std::vector<double> logValues = totals;
    if (data.text) { // the loss in nats, and in bits per byte
      line += fmt::format(" ({:.4f} bits/byte)", totals[0] / M_LN2);
      logNames.push_back("bits_per_byte");
      logValues.push_back(totals[0] / M_LN2);
    }
    progress.line(data.text ? fmt::format("{} ({} held-out windows of {} + 1 bytes)", line,
                                          evalBatches * batch, data.text->context)
                            : fmt::format("{} ({} of {} test samples)", line, evalBatches * batch,
                                          data.test.count));
    log.write("eval", epoch, step, elapsed(), logNames, logValues, std::nullopt);
    if (plot)
      plot->add("eval", step, names, totals);
    return totals;
  };
  int64_t savedStep = -1; // the step of the checkpoint this run last wrote
  auto saveCheckpoint = [&] {
    if (options.checkpoint.empty())
      return;
    session.saveParameters(options.checkpoint);
    savedStep = step;
  };

  std::vector<int64_t> order;
  int64_t orderEpoch = -1;
  std::vector<double> lastEval;
  while (step < totalSteps) {
    const int64_t epoch = step / stepsPerEpoch, offset = step % stepsPerEpoch;
    std::vector<int64_t> rows(static_cast<size_t>(batch));
    if (data.fixedBatch) {
      std::iota(rows.begin(), rows.end(), 0);
    } else if (data.text) {
      std::iota(rows.begin(), rows.end(), step * batch); // each row its own random window
    } else {
      if (orderEpoch != epoch) {
        order = options.shuffle ? permutation(data.train.count, seed, epoch)
                                : std::vector<int64_t>(static_cast<size_t>(data.train.count));
        if (!options.shuffle)
          std::iota(order.begin(), order.end(), 0);
        orderEpoch = epoch;
      }
      std::copy(order.begin() + offset * batch, order.begin() + (offset + 1) * batch, rows.begin());
    }
    if (data.text)
      setTextBatch(session, "train_step", inputs, *data.text, true, seed, rows.data(), staging);
    else
      setBatch(session, "train_step", inputs, data.train, rows.data(), staging);
    session.run("train_step");
    // Each step's metrics are fetched without waiting for the step: on a GPU
    // the loop runs ahead, and waits only when a report needs the values.
    window.emplace_back(rowBytes, 0);
    for (size_t i = 0; i < names.size(); ++i)
      session.fetchOutput("train_step", names[i], window.back().data() + rowOffsets[i],
                          outputs[i].sizeBytes);
    ++step;

    const bool epochDone = step % stepsPerEpoch == 0;
    const int64_t epochNow = step / stepsPerEpoch + (epochDone ? 0 : 1);
    auto eta = [&] {
      double perStep = elapsed() / static_cast<double>(step - firstStep);
      return duration(perStep * static_cast<double>(totalSteps - step));
    };
    // The bar: the epoch's position, and the means of the window so far
    // (between reports, at most a hundred times an epoch).
    const int64_t inEpoch = (step - 1) % stepsPerEpoch + 1;
    auto drawBar = [&](const std::vector<double> &means, double rate) {
      std::string text = fmt::format("{}/{}", inEpoch, stepsPerEpoch);
      for (size_t i = 0; i < names.size(); ++i)
        text += fmt::format(" {} {:.4f}", names[i], means[i]);
      progress.update(fmt::format("epoch {}/{}", epochNow, totalEpochs),
                      static_cast<double>(inEpoch) / static_cast<double>(stepsPerEpoch),
                      fmt::format("{} | ETA {} | {:.0f} samples/s", text, eta(), rate),
                      /*force=*/step % reportEvery == 0);
    };
    if (progress.bar() && step % barEvery == 0 && step % reportEvery != 0 && !epochDone &&
        step != totalSteps) {
      session.synchronize();
      std::vector<double> means(names.size(), 0.0);
      for (const std::vector<uint8_t> &row : window)
        for (size_t i = 0; i < names.size(); ++i) {
          float v;
          std::memcpy(&v, row.data() + rowOffsets[i], sizeof v);
          means[i] += v / static_cast<double>(window.size());
        }
      const double seconds = std::chrono::duration<double>(Clock::now() - lastReport).count();
      drawBar(means, seconds > 0
                         ? static_cast<double>(window.size()) * static_cast<double>(batch) / seconds
                         : 0);
    }
    if (step % reportEvery == 0 || step == totalSteps || epochDone) {
      session.synchronize();
      // The window holds the steps since the last report: their mean, after
      // checking each loss.
      const int64_t windowStart = step - static_cast<int64_t>(window.size());
      std::vector<double> means(names.size(), 0.0);
      for (size_t w = 0; w < window.size(); ++w) {
        auto value = [&](size_t i) { // an output's first element, as a float
          float v;
          std::memcpy(&v, window[w].data() + rowOffsets[i], sizeof v);
          return v;
        };
        const float loss = value(0);
        if (!std::isfinite(loss)) {
          const int64_t badStep = windowStart + static_cast<int64_t>(w) + 1;
          fail(DLC_INTERNAL,
               fmt::format("the loss became {} at step {} (epoch {}); stopping. {}",
                           std::isnan(loss) ? "NaN"
                           : loss > 0       ? "+inf"
                                            : "-inf",
                           badStep, (badStep - 1) / stepsPerEpoch + 1,
                           savedStep >= 0 ? fmt::format("{} holds the last good state (step {}).",
                                                        options.checkpoint, savedStep)
                                          : std::string("No checkpoint was written.")));
        }
        for (size_t i = 0; i < names.size(); ++i)
          means[i] += value(i);
      }
      const double steps = static_cast<double>(window.size());
      for (double &mean : means)
        mean /= steps;
      auto now = Clock::now();
      double seconds = std::chrono::duration<double>(now - lastReport).count();
      double rate = seconds > 0 ? steps * static_cast<double>(batch) / seconds : 0;
      std::string metrics;
      for (size_t i = 0; i < names.size(); ++i)
        metrics += fmt::format(" {} {:.4f}", names[i], means[i]);
      if (data.text)
        metrics += fmt::format(" ({:.3f} bits/byte)", means[0] / M_LN2);
      for (size_t i = 0; i < names.size(); ++i)
        epochSums[i] += means[i] * steps;
      epochSteps += steps;
      if (progress.bar()) {
        drawBar(means, rate);
        if (epochDone || step == totalSteps) {
          // A permanent line per epoch: its means and its throughput.
          std::string epochLine =
              fmt::format("epoch {}/{} step {}/{}", epochNow, totalEpochs, step, totalSteps);
          for (size_t i = 0; i < names.size(); ++i)
            epochLine += fmt::format(" {} {:.4f}", names[i], epochSums[i] / epochSteps);
          const double epochSeconds = std::chrono::duration<double>(now - epochStarted).count();
          progress.line(fmt::format("{} | {:.0f} samples/s | {}", epochLine,
                                    epochSeconds > 0 ? epochSteps * batch / epochSeconds : 0.0,
                                    duration(epochSeconds)));
        }
      } else {
        fmt::print("epoch {}/{} step {}/{}{} | {:.0f} samples/s | ETA {}\n", epochNow, totalEpochs,
                   step, totalSteps, metrics, rate, eta());
        std::fflush(stdout);
      }
      if (epochDone) {
        std::fill(epochSums.begin(), epochSums.end(), 0.0);
        epochSteps = 0;
        epochStarted = now;
      }
      log.write("train", epochNow, step, elapsed(), names, means, rate);
      if (plot)
        plot->add("train", step, names, means);
      window.clear();
      lastReport = Clock::now();
    }
    bool evalNow = options.evalEvery > 0 ? step % options.evalEvery == 0 || step == totalSteps
                                         : evalEachEpoch && (epochDone || step == totalSteps);
    bool reached = false;
    if (evalNow) {
      lastEval = evaluate(step / stepsPerEpoch + (epochDone ? 0 : 1));
      if (stopIndex < names.size() && !lastEval.empty()) {
        const double value = lastEval[stopIndex];
        reached = options.stopAtLeast ? value >= options.stopValue : value <= options.stopValue;
        if (reached)
          progress.line(fmt::format(
              "reached {} {:.4f} ({} {}) at step {} after {:.1f} s; stopping", names[stopIndex],
              value, options.stopAtLeast ? ">=" : "<=", options.stopValue, step, elapsed()));
      }
    }
    if (epochDone || step == totalSteps || reached)
      saveCheckpoint();
    if (plot && (epochDone || step == totalSteps || evalNow))
      plot->write(executable.modelName());
    if (reached)
      break;
  }
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::string summary = fmt::format("done: {} steps in {}", step - firstStep, duration(seconds));
  if (!lastEval.empty())
    for (size_t i = 0; i < names.size(); ++i)
      summary += fmt::format(", test {} {:.4f}", names[i], lastEval[i]);
  progress.line(summary);
  progress.line(fmt::format("peak memory on the device: {}", rt::bytesText(session.peakMemory())));
}

} // namespace dlc::tools
