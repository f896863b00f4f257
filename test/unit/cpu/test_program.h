// What the CPU backend's tests share: NumPy reference cases (written by
// make_reference.py), and TestProgram, which builds a one-command
// executable with FlatBuffers, prepares it on the CPU device and runs it.
#ifndef DLC_TEST_UNIT_CPU_TEST_PROGRAM_H
#define DLC_TEST_UNIT_CPU_TEST_PROGRAM_H

#include "device.h"

#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

#define ASSERT_OK(expr)                                                                            \
  do {                                                                                             \
    ::dlc::rt::Status status_ = (expr);                                                            \
    ASSERT_TRUE(status_.ok()) << status_.message();                                                \
  } while (0)

namespace dlc::rt::test {

/// Row-major, little-endian elements with their dtype and shape.
struct Array {
  fb::DType dtype = fb::DType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;

  int64_t elements() const;
  /// Element i as a double (f16 / bf16 widened, integers converted).
  double at(int64_t i) const;
};

/// One command of reference/cases.json and NumPy's answer: `inputs` fill
/// buffers before the run, `expected` is what buffers hold after it.
struct ReferenceCase {
  std::string name, op;
  nlohmann::json attrs;
  std::map<std::string, Array> inputs, expected;
};

/// The cases of `op` ("matmul", "conv2d", ...), in file order.
const std::vector<ReferenceCase> &referenceCases(const std::string &op);

/// |actual - expected| <= atol + rtol * |expected|, elementwise.
struct Tolerance {
  double rtol = 0, atol = 0;
};

/// Tolerances by the compared buffer's dtype; integers and i1 always match
/// exactly.
struct Tolerances {
  Tolerance f32, f64;
  Tolerance f16{1e-3, 1e-6};  // one f16 ulp is 2^-10 relative at most
  Tolerance bf16{8e-3, 1e-6}; // one bf16 ulp is 2^-7
};

fb::DType dtypeFromName(const std::string &name);

class TestProgram {
public:
  explicit TestProgram(int threads = 2);
  ~TestProgram();

  flatbuffers::FlatBufferBuilder &builder() { return builder_; }

  /// A zero-filled buffer.
  uint32_t addBuffer(const std::string &name, fb::DType dtype, std::vector<int64_t> shape);
  /// A buffer filled with `contents`.
  uint32_t addBuffer(const std::string &name, const Array &contents);
  /// A buffer per array of `c`, named like it: inputs filled, outputs zero.
  void addBuffers(const ReferenceCase &c);
  /// The buffer called `name`; -1 when there is none (an absent operand).
  int32_t buffer(const std::string &name) const;

  uint32_t addKernel(flatbuffers::Offset<fb::Kernel> kernel);
  /// Appends a command; `line` > 0 gives it the location model.mlir:line:5.
  void addCommand(fb::Op type, flatbuffers::Offset<void> op, uint32_t line = 0);

  /// Finishes and verifies the executable, allocates and fills the buffers
  /// on the device and prepares the entry point.
  Status prepare();
  Status run();

  Array read(uint32_t buffer) const;
  /// Compares every expected array of `c` with the buffer of its name.
  void expectMatches(const ReferenceCase &c, const Tolerances &tolerances) const;

private:
  struct BufferSpec {
    std::string name;
    fb::DType dtype;
    std::vector<int64_t> shape;
    std::vector<uint8_t> contents; // empty: zeros
  };

  flatbuffers::FlatBufferBuilder builder_;
  std::unique_ptr<Device> device_;
  std::vector<BufferSpec> specs_;
  std::map<std::string, uint32_t> names_;
  std::vector<flatbuffers::Offset<fb::Kernel>> kernels_;
  std::vector<flatbuffers::Offset<fb::Command>> commands_;
  std::vector<uint32_t> lines_;
  std::vector<Tensor> tensors_;
  std::unique_ptr<Program> program_;
};

/// Compares `actual` with `expected` elementwise; a failure lists the first
/// mismatches with their indices.
void expectClose(const Array &actual, const Array &expected, Tolerance tolerance,
                 const std::string &what);

} // namespace dlc::rt::test

#endif // DLC_TEST_UNIT_CPU_TEST_PROGRAM_H
