// Sessions of one executable on several threads at once, through the shared
// library's C API (runtime.hpp): each thread trains its own session for a
// number of steps on the same fixed batch, with its own CPU thread count,
// and every thread's losses must equal, bit for bit, those of one session
// run alone beforehand. (docs/c-api.md: an executable may be shared between
// threads, a session is used by one thread at a time.)
//
//   concurrent_sessions MODEL.fb THREADS STEPS
#include "dlc/runtime.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Batch {
  std::vector<dlc::TensorInfo> inputs;
  std::vector<std::vector<uint8_t>> bytes;
};

/// One fixed batch for train_step: f32 in [-1, 1), ui8 pixels, integers
/// below the width of forward's first output.
Batch makeBatch(const dlc::Executable &model) {
  Batch batch;
  batch.inputs = model.inputs("train_step");
  int64_t classes = model.outputs("forward").at(0).shape.back();
  uint32_t state = 7;
  for (const dlc::TensorInfo &input : batch.inputs) {
    std::vector<uint8_t> bytes(input.sizeBytes);
    size_t count = input.sizeBytes / dlc_dtype_size(input.dtype);
    for (size_t i = 0; i < count; ++i) {
      uint32_t r = (state = state * 1664525u + 1013904223u) >> 8;
      if (input.dtype == DLC_F32) {
        float value = r / float(1 << 23) - 1.0f;
        std::memcpy(&bytes[i * 4], &value, 4);
      } else if (input.dtype == DLC_U8) {
        bytes[i] = uint8_t(r);
      } else if (input.dtype == DLC_I32) {
        int32_t value = int32_t(r % classes);
        std::memcpy(&bytes[i * 4], &value, 4);
      } else {
        throw std::runtime_error("input '" + input.name + "': dtype not filled here");
      }
    }
    batch.bytes.push_back(std::move(bytes));
  }
  return batch;
}

std::vector<float> train(const dlc::Executable &model, const Batch &batch, int cpuThreads,
                         int steps) {
  dlc::Session::Options options;
  options.numThreads = cpuThreads;
  dlc::Session session(model, options);
  std::vector<float> losses;
  for (int step = 0; step < steps; ++step) {
    for (size_t i = 0; i < batch.inputs.size(); ++i)
      session.setInput("train_step", batch.inputs[i].name, batch.inputs[i].dtype,
                       batch.inputs[i].shape, batch.bytes[i].data(), batch.bytes[i].size());
    session.run("train_step");
    losses.push_back(session.output<float>("train_step", "loss").at(0));
  }
  return losses;
}

} // namespace

int main(int argc, char **argv) try {
  if (argc != 4) {
    std::fprintf(stderr, "usage: concurrent_sessions MODEL.fb THREADS STEPS\n");
    return 2;
  }
  const int threads = std::atoi(argv[2]), steps = std::atoi(argv[3]);
  dlc::Executable model = dlc::Executable::loadFile(argv[1]);
  const Batch batch = makeBatch(model);
  const std::vector<float> alone = train(model, batch, 1, steps);

  std::vector<std::vector<float>> losses(threads);
  std::vector<std::string> errors(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      try {
        losses[t] = train(model, batch, 1 + t % 2, steps);
      } catch (const std::exception &error) {
        errors[t] = error.what();
      }
    });
  for (std::thread &worker : workers)
    worker.join();
  int differing = 0;
  for (int t = 0; t < threads; ++t) {
    if (!errors[t].empty()) {
      std::printf("thread %d failed: %s\n", t, errors[t].c_str());
      ++differing;
    } else if (losses[t] != alone) {
      std::printf("thread %d: losses differ from the session run alone (last %.9g vs %.9g)\n", t,
                  losses[t].back(), alone.back());
      ++differing;
    }
  }
  if (differing)
    return 1;
  std::printf("%d sessions on %d threads, %d steps each: the losses of one session run alone "
              "(%.6f -> %.6f)\n",
              threads, threads, steps, alone.front(), alone.back());
  return 0;
} catch (const std::exception &error) {
  std::fprintf(stderr, "concurrent_sessions: %s\n", error.what());
  return 1;
}
