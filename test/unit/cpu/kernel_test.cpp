#include "test_program.h"

namespace dlc::rt::test {
namespace {

// Each instruction rounds once in the compute type, as the NumPy evaluation
// of the same program does; exp, tanh, erf, pow may differ from NumPy's by
// an ulp or two, and an ulp of an input to a later instruction grows
// through it.
const Tolerances kKernel{{2e-6, 1e-7}, {1e-14, 1e-15}};
// Conversions and casts are exact: f16 / bf16 ties and near-ties, saturation.
const Tolerances kExact{{}, {}, {}, {}};

fb::Opcode opcodeFromName(const std::string &name) {
  for (fb::Opcode opcode : fb::EnumValuesOpcode())
    if (name == fb::EnumNameOpcode(opcode))
      return opcode;
  ADD_FAILURE() << "unknown opcode " << name;
  return fb::Opcode::Load;
}

// A kernel as the reference case describes it.
flatbuffers::Offset<fb::Kernel> kernelOf(flatbuffers::FlatBufferBuilder &b,
                                         const ReferenceCase &c) {
  std::vector<flatbuffers::Offset<fb::Instruction>> instructions;
  for (const nlohmann::json &in : c.attrs["instructions"]) {
    std::vector<uint16_t> operands = in.value("operands", std::vector<uint16_t>());
    instructions.push_back(fb::CreateInstructionDirect(
        b, opcodeFromName(in["op"]), &operands, in.value("index", uint16_t(0)),
        in.value("value", 0.0), dtypeFromName(in.value("dtype", std::string("f32")))));
  }
  std::vector<int64_t> shape = c.attrs["shape"];
  std::vector<uint16_t> results = c.attrs["results"];
  return fb::CreateKernelDirect(b, c.name.c_str(), &shape, dtypeFromName(c.attrs["compute_type"]),
                                static_cast<uint16_t>(c.inputs.size()), &instructions, &results);
}

void runKernelCase(const ReferenceCase &c, int threads, const Tolerances &tolerances) {
  SCOPED_TRACE(c.name);
  TestProgram p(threads);
  p.addBuffers(c);
  std::vector<uint32_t> inputs, outputs;
  for (size_t i = 0; i < c.inputs.size(); ++i)
    inputs.push_back(p.buffer("in" + std::to_string(i)));
  for (size_t i = 0; i < c.expected.size(); ++i)
    outputs.push_back(p.buffer("out" + std::to_string(i)));
  uint32_t kernel = p.addKernel(kernelOf(p.builder(), c));
  p.addCommand(fb::Op::Launch,
               fb::CreateLaunchDirect(p.builder(), kernel, &inputs, &outputs).Union());
  ASSERT_OK(p.prepare());
  ASSERT_OK(p.run());
  p.expectMatches(c, tolerances);
}

bool isConversion(const ReferenceCase &c) {
  return c.name.find("convert") != std::string::npos ||
         c.name.find("saturate") != std::string::npos;
}

TEST(Launch, MatchesNumpyEvaluationOfTheProgram) {
  for (const ReferenceCase &c : referenceCases("kernel"))
    if (!isConversion(c))
      runKernelCase(c, 2, kKernel);
}

TEST(Launch, OneThreadMatchesToo) {
  for (const ReferenceCase &c : referenceCases("kernel"))
    if (!isConversion(c))
      runKernelCase(c, 1, kKernel);
}

TEST(Launch, LoadsStoresAndCastsConvertExactly) {
  for (const ReferenceCase &c : referenceCases("kernel"))
    if (isConversion(c))
      runKernelCase(c, 2, kExact);
}

// Results that are inputs read in place, a value stored twice, and an
// output that is also an input (updated in place).
TEST(Launch, UpdatesAnInputInPlace) {
  TestProgram p;
  uint32_t x = p.addBuffer("x", {fb::DType::F32, {3, 1100}, {}});
  uint32_t y = p.addBuffer("y", fb::DType::F32, {3, 1100});
  auto &b = p.builder();
  std::vector<uint16_t> none, add = {0, 1}, results = {2, 0};
  std::vector<flatbuffers::Offset<fb::Instruction>> instructions = {
      fb::CreateInstructionDirect(b, fb::Opcode::Load, &none, 0),
      fb::CreateInstructionDirect(b, fb::Opcode::Constant, &none, 0, 1.5),
      fb::CreateInstructionDirect(b, fb::Opcode::Add, &add)};
  std::vector<int64_t> shape = {3, 1100};
  uint32_t kernel = p.addKernel(
      fb::CreateKernelDirect(b, "inplace", &shape, fb::DType::F32, 1, &instructions, &results));
  std::vector<uint32_t> inputs = {x}, outputs = {x, y};
  p.addCommand(fb::Op::Launch, fb::CreateLaunchDirect(b, kernel, &inputs, &outputs).Union());
  ASSERT_OK(p.prepare());
  ASSERT_OK(p.run());
  ASSERT_OK(p.run());
  Array xs = p.read(x), ys = p.read(y);
  for (int64_t i = 0; i < xs.elements(); ++i) {
    ASSERT_EQ(xs.at(i), 3.0) << i; // 0 + 1.5 + 1.5
    ASSERT_EQ(ys.at(i), 1.5) << i; // the value loaded by the second run
  }
}

// An input the kernel overwrites in place (as an optimizer step updates a
// parameter) is read where it lies: every tile's outputs still see the old
// values, over several tiles and threads.
TEST(Launch, ReadsAnInputItOverwritesInPlace) {
  TestProgram p(2);
  Array start{fb::DType::F32, {3, 1100}, std::vector<uint8_t>(3 * 1100 * sizeof(float))};
  auto *values = reinterpret_cast<float *>(start.bytes.data());
  for (int i = 0; i < 3 * 1100; ++i)
    values[i] = static_cast<float>(i % 97) - 40.0f;
  uint32_t x = p.addBuffer("x", start);
  uint32_t z = p.addBuffer("z", fb::DType::F32, {3, 1100});
  auto &b = p.builder();
  std::vector<uint16_t> none, twice = {0, 1}, plusOne = {2, 3}, thrice = {0, 5};
  std::vector<uint16_t> results = {4, 6};
  std::vector<flatbuffers::Offset<fb::Instruction>> instructions = {
      fb::CreateInstructionDirect(b, fb::Opcode::Load, &none, 0),          // %0 = x
      fb::CreateInstructionDirect(b, fb::Opcode::Constant, &none, 0, 2.0), // %1
      fb::CreateInstructionDirect(b, fb::Opcode::Mul, &twice),             // %2 = 2x
      fb::CreateInstructionDirect(b, fb::Opcode::Constant, &none, 0, 1.0), // %3
      fb::CreateInstructionDirect(b, fb::Opcode::Add, &plusOne),           // %4 = 2x + 1
      fb::CreateInstructionDirect(b, fb::Opcode::Constant, &none, 0, 3.0), // %5
      fb::CreateInstructionDirect(b, fb::Opcode::Mul, &thrice)};           // %6 = 3x
  std::vector<int64_t> shape = {3, 1100};
  uint32_t kernel = p.addKernel(
      fb::CreateKernelDirect(b, "update", &shape, fb::DType::F32, 1, &instructions, &results));
  std::vector<uint32_t> inputs = {x}, outputs = {x, z};
  p.addCommand(fb::Op::Launch, fb::CreateLaunchDirect(b, kernel, &inputs, &outputs).Union());
  ASSERT_OK(p.prepare());
  ASSERT_OK(p.run());
  Array xs = p.read(x), zs = p.read(z);
  for (int64_t i = 0; i < xs.elements(); ++i) {
    ASSERT_EQ(xs.at(i), 2.0 * values[i] + 1.0) << i;
    ASSERT_EQ(zs.at(i), 3.0 * values[i]) << i;
  }
}

} // namespace
} // namespace dlc::rt::test
