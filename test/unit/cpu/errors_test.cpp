// What the CPU backend says when a run or a file goes wrong: run-time errors
// name the model line (through describeCommand), prepare-time errors the
// inconsistent buffers.
#include "test_program.h"

namespace dlc::rt::test {
namespace {

Array labels32(std::vector<int32_t> values) {
  Array a{fb::DType::I32, {static_cast<int64_t>(values.size())}, {}};
  a.bytes.resize(values.size() * 4);
  std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
  return a;
}

Array indices64(std::vector<int64_t> values) {
  Array a{fb::DType::I64, {static_cast<int64_t>(values.size())}, {}};
  a.bytes.resize(values.size() * 8);
  std::memcpy(a.bytes.data(), values.data(), a.bytes.size());
  return a;
}

Status crossEntropyRun(std::vector<int32_t> labels) {
  TestProgram p;
  uint32_t logits = p.addBuffer("logits", fb::DType::F32, {4, 10});
  uint32_t label = p.addBuffer("labels", labels32(std::move(labels)));
  uint32_t loss = p.addBuffer("loss", fb::DType::F32, {});
  p.addCommand(fb::Op::SoftmaxCrossEntropy,
               fb::CreateSoftmaxCrossEntropy(p.builder(), logits, label, loss).Union(), 12);
  DLC_RETURN_IF_ERROR(p.prepare());
  return p.run();
}

TEST(Errors, LabelOutOfRangeNamesTheModelLine) {
  Status status = crossEntropyRun({1, 12, 3, 0});
  EXPECT_EQ(status.code(), DLC_RUNTIME_ERROR);
  EXPECT_EQ(status.message(),
            "model.mlir:12:5: softmax_cross_entropy: label 12 is outside [0, 10)");
  status = crossEntropyRun({1, 2, -1, 0});
  EXPECT_EQ(status.message(),
            "model.mlir:12:5: softmax_cross_entropy: label -1 is outside [0, 10)");
  ASSERT_OK(crossEntropyRun({9, 0, 3, 0}));
}

Status accuracyRun(std::vector<int32_t> labels) {
  TestProgram p;
  uint32_t logits = p.addBuffer("logits", fb::DType::F32, {4, 10});
  uint32_t label = p.addBuffer("labels", labels32(std::move(labels)));
  uint32_t accuracy = p.addBuffer("accuracy", fb::DType::F32, {});
  p.addCommand(fb::Op::Accuracy, fb::CreateAccuracy(p.builder(), logits, label, accuracy).Union(),
               14);
  DLC_RETURN_IF_ERROR(p.prepare());
  return p.run();
}

TEST(Errors, AccuracyLabelOutOfRangeNamesTheModelLine) {
  Status status = accuracyRun({1, 10, 3, 0});
  EXPECT_EQ(status.code(), DLC_RUNTIME_ERROR);
  EXPECT_EQ(status.message(), "model.mlir:14:5: accuracy: label 10 is outside [0, 10)");
  ASSERT_OK(accuracyRun({9, 0, 3, 0}));
}

Status embeddingRun(std::vector<int64_t> indices) {
  TestProgram p;
  uint32_t table = p.addBuffer("table", fb::DType::F32, {5, 3});
  uint32_t index = p.addBuffer("ids", indices64(indices));
  uint32_t out = p.addBuffer("rows", fb::DType::F32, {static_cast<int64_t>(indices.size()), 3});
  p.addCommand(fb::Op::Embedding, fb::CreateEmbedding(p.builder(), table, index, out).Union(), 3);
  DLC_RETURN_IF_ERROR(p.prepare());
  return p.run();
}

TEST(Errors, EmbeddingIndexOutOfRangeNamesTheModelLine) {
  Status status = embeddingRun({0, 4, 7});
  EXPECT_EQ(status.code(), DLC_RUNTIME_ERROR);
  EXPECT_EQ(status.message(), "model.mlir:3:5: embedding: index 7 is outside [0, 5)");
  EXPECT_EQ(embeddingRun({-2}).message(), "model.mlir:3:5: embedding: index -2 is outside [0, 5)");
  ASSERT_OK(embeddingRun({4, 0}));
}

TEST(Errors, MatmulShapesThatDoNotContract) {
  TestProgram p;
  uint32_t a = p.addBuffer("a", fb::DType::F32, {3, 4});
  uint32_t b = p.addBuffer("b", fb::DType::F32, {5, 2});
  uint32_t c = p.addBuffer("c", fb::DType::F32, {3, 2});
  p.addCommand(fb::Op::Matmul, fb::CreateMatmul(p.builder(), a, b, c).Union(), 7);
  Status status = p.prepare();
  EXPECT_EQ(status.code(), DLC_INVALID_FILE);
  EXPECT_EQ(status.message(), "model.mlir:7:5: matmul: matmul of tensor<3x4xf32> and "
                              "tensor<5x2xf32> contracts 4 with 5");
}

TEST(Errors, WrongOutputShapeNamesTheBuffer) {
  TestProgram p;
  uint32_t x = p.addBuffer("x", fb::DType::F32, {1, 2, 8, 8});
  uint32_t w = p.addBuffer("w", fb::DType::F32, {4, 2, 3, 3});
  uint32_t y = p.addBuffer("y", fb::DType::F32, {1, 4, 8, 8});
  p.addCommand(fb::Op::Conv2D, fb::CreateConv2D(p.builder(), x, w, y).Union());
  Status status = p.prepare();
  EXPECT_EQ(status.code(), DLC_INVALID_FILE);
  EXPECT_EQ(status.message(), "conv2d: 'y' is tensor<1x4x8x8xf32>, expected tensor<1x4x6x6xf32>");
}

TEST(Errors, BufferIndexOutsideTheExecutable) {
  TestProgram p;
  uint32_t x = p.addBuffer("x", fb::DType::F32, {4});
  p.addCommand(fb::Op::Softmax, fb::CreateSoftmax(p.builder(), x, 99, 0).Union());
  EXPECT_EQ(p.prepare().message(), "softmax: output is buffer 99, outside [0, 1)");
}

TEST(Errors, UnsupportedDtypeIsUnavailable) {
  TestProgram p;
  uint32_t x = p.addBuffer("x", fb::DType::F16, {4, 4});
  uint32_t y = p.addBuffer("y", fb::DType::F16, {4, 4});
  p.addCommand(fb::Op::Softmax, fb::CreateSoftmax(p.builder(), x, y, 1).Union());
  Status status = p.prepare();
  EXPECT_EQ(status.code(), DLC_UNAVAILABLE);
  EXPECT_EQ(status.message(),
            "softmax: 'x' is tensor<4x4xf16>: the CPU backend computes this op in f32 or f64");
}

TEST(Errors, SliceOutsideTheInput) {
  TestProgram p;
  uint32_t x = p.addBuffer("x", fb::DType::I32, {10});
  uint32_t y = p.addBuffer("y", fb::DType::I32, {4});
  std::vector<int64_t> starts = {2}, strides = {3};
  p.addCommand(fb::Op::Slice, fb::CreateSliceDirect(p.builder(), x, y, &starts, &strides).Union());
  EXPECT_EQ(p.prepare().message(),
            "slice: slice of dim 0 from 2 by 3 for 4 elements leaves [0, 10)");
}

TEST(Errors, KernelValueUsedBeforeItIsDefined) {
  TestProgram p;
  uint32_t x = p.addBuffer("x", fb::DType::F32, {4});
  auto &b = p.builder();
  std::vector<uint16_t> none, forward = {1}, results = {0};
  std::vector<flatbuffers::Offset<fb::Instruction>> instructions = {
      fb::CreateInstructionDirect(b, fb::Opcode::Neg, &forward),
      fb::CreateInstructionDirect(b, fb::Opcode::Load, &none, 0)};
  std::vector<int64_t> shape = {4};
  uint32_t kernel = p.addKernel(
      fb::CreateKernelDirect(b, "bad", &shape, fb::DType::F32, 1, &instructions, &results));
  std::vector<uint32_t> inputs = {x}, outputs = {x};
  p.addCommand(fb::Op::Launch, fb::CreateLaunchDirect(b, kernel, &inputs, &outputs).Union());
  EXPECT_EQ(p.prepare().message(),
            "launch: kernel 'bad' instruction 0 uses value 1, not yet defined");
}

TEST(Errors, KernelInputThatDoesNotBroadcast) {
  TestProgram p;
  uint32_t x = p.addBuffer("x", fb::DType::F32, {3, 2});
  uint32_t y = p.addBuffer("y", fb::DType::F32, {3, 4});
  auto &b = p.builder();
  std::vector<uint16_t> none, results = {0};
  std::vector<flatbuffers::Offset<fb::Instruction>> instructions = {
      fb::CreateInstructionDirect(b, fb::Opcode::Load, &none, 0)};
  std::vector<int64_t> shape = {3, 4};
  uint32_t kernel = p.addKernel(
      fb::CreateKernelDirect(b, "k", &shape, fb::DType::F32, 1, &instructions, &results));
  std::vector<uint32_t> inputs = {x}, outputs = {y};
  p.addCommand(fb::Op::Launch, fb::CreateLaunchDirect(b, kernel, &inputs, &outputs).Union());
  EXPECT_EQ(p.prepare().message(), "launch: kernel input 'x' is tensor<3x2xf32>, which does not "
                                   "broadcast to tensor<3x4xf32>");
}

// A kernel of constants only (no inputs; the launch may omit the vector)
// runs: the compiler emits one when both operands of an op are immediates.
TEST(Launch, KernelWithoutInputs) {
  TestProgram p;
  uint32_t y = p.addBuffer("y", fb::DType::F64, {});
  auto &b = p.builder();
  std::vector<uint16_t> none, both = {0, 0}, results = {1};
  std::vector<flatbuffers::Offset<fb::Instruction>> instructions = {
      fb::CreateInstructionDirect(b, fb::Opcode::Constant, &none, 0, 1.25),
      fb::CreateInstructionDirect(b, fb::Opcode::Add, &both)};
  std::vector<int64_t> shape;
  uint32_t kernel = p.addKernel(
      fb::CreateKernelDirect(b, "k", &shape, fb::DType::F64, 0, &instructions, &results));
  std::vector<uint32_t> outputs = {y};
  p.addCommand(fb::Op::Launch, fb::CreateLaunchDirect(b, kernel, nullptr, &outputs).Union());
  ASSERT_TRUE(p.prepare().ok());
  ASSERT_TRUE(p.run().ok());
  Array result = p.read(y);
  ASSERT_EQ(result.elements(), 1);
  EXPECT_EQ(result.at(0), 2.5);
}

} // namespace
} // namespace dlc::rt::test
