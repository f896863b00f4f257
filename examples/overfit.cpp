// Embedding the dlc runtime in C++ (dlc/runtime.hpp): load a compiled model,
// make one batch of synthetic data that fits its `train_step`, train on that
// batch alone and show the loss falling as the model learns it by heart.
//
//   overfit MODEL.fb [STEPS]
//
// Works with any model that has a train_step: f32 inputs get values in
// [-1, 1), ui8 inputs pixels, integer inputs (labels, tokens) values below
// the width of forward's first output (the class or vocabulary count).
#include "dlc/runtime.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

int main(int argc, char **argv) try {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: overfit MODEL.fb [STEPS]\n");
    return 2;
  }
  const int steps = argc == 3 ? std::atoi(argv[2]) : 50;
  dlc::Executable model = dlc::Executable::loadFile(argv[1]);
  dlc::Session::Options options;
  options.device = "auto"; // the GPU if there is one
  dlc::Session session(model, options);
  std::printf("%s on %s, dlc runtime %s\n", model.modelName().c_str(), session.device().c_str(),
              dlc::version().c_str());

  int64_t classes = model.outputs("forward").at(0).shape.back();
  uint32_t state = 12345; // a small linear congruential generator
  auto next = [&state] { return (state = state * 1664525u + 1013904223u) >> 8; };
  std::vector<dlc::TensorInfo> inputs = model.inputs("train_step");
  std::vector<std::vector<uint8_t>> batch;
  for (const dlc::TensorInfo &input : inputs) {
    std::vector<uint8_t> bytes(input.sizeBytes);
    size_t count = input.sizeBytes / dlc_dtype_size(input.dtype);
    for (size_t i = 0; i < count; ++i) {
      uint32_t r = next();
      if (input.dtype == DLC_F32)
        reinterpret_cast<float *>(bytes.data())[i] = r / float(1 << 23) - 1.0f;
      else if (input.dtype == DLC_U8)
        bytes[i] = uint8_t(r);
      else if (input.dtype == DLC_I32)
        reinterpret_cast<int32_t *>(bytes.data())[i] = int32_t(r % classes);
      else if (input.dtype == DLC_I64)
        reinterpret_cast<int64_t *>(bytes.data())[i] = int64_t(r % classes);
      else
        throw std::runtime_error("input '" + input.name +
                                 "' has a dtype this example does not fill");
    }
    batch.push_back(std::move(bytes));
  }

  float first = 0, loss = 0;
  for (int step = 1; step <= steps; ++step) {
    for (size_t i = 0; i < inputs.size(); ++i)
      session.setInput("train_step", inputs[i].name, inputs[i].dtype, inputs[i].shape,
                       batch[i].data(), batch[i].size());
    session.run("train_step");
    loss = session.output<float>("train_step", "loss").at(0);
    if (step == 1)
      first = loss;
    if (step == 1 || step % 10 == 0 || step == steps)
      std::printf("step %d: loss %.4f\n", step, loss);
  }
  std::printf("loss %.4f -> %.4f\n", first, loss);
  return 0;
} catch (const std::exception &error) {
  std::fprintf(stderr, "overfit: %s\n", error.what());
  return 1;
}
