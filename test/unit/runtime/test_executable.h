// Builds executables for tests: a plain description (ExecutableSpec) that a
// test can change field by field, serialized with FlatBufferBuilder, and
// the tiny model most tests start from.
#ifndef DLC_TEST_UNIT_RUNTIME_TEST_EXECUTABLE_H
#define DLC_TEST_UNIT_RUNTIME_TEST_EXECUTABLE_H

#include "executable_generated.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dlc::test {

struct BufferSpec {
  std::string name;
  fb::DType dtype = fb::DType::F32;
  std::vector<int64_t> shape;
  fb::Role role = fb::Role::Temporary;
  fb::Region region = fb::Region::Arena;
  int32_t entryPoint = -1;
  uint64_t offset = 0;
  uint64_t size = 0;
};

struct InitializerSpec {
  uint32_t buffer = 0;
  fb::InitKind kind = fb::InitKind::Fill;
  double value = 0, low = 0, high = 0, mean = 0, stddev = 0;
  uint64_t seed = 0;
  std::vector<uint8_t> data;
};

struct InstructionSpec {
  fb::Opcode opcode = fb::Opcode::Load;
  std::vector<uint16_t> operands;
  uint16_t index = 0;
  double value = 0;
  fb::DType dtype = fb::DType::F32;
};

struct KernelSpec {
  std::string name;
  std::vector<int64_t> shape;
  fb::DType computeType = fb::DType::F32;
  uint16_t numInputs = 0;
  std::vector<InstructionSpec> instructions;
  std::vector<uint16_t> results;
};

/// A command: its union type and a function that writes its op table.
struct CommandSpec {
  fb::Op type = fb::Op::NONE;
  std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder &)> op;
  int32_t location = -1;
};

struct EntryPointSpec {
  std::string name;
  std::vector<uint32_t> inputs, outputs;
  uint64_t arenaSize = 0;
  std::vector<CommandSpec> commands;
  std::vector<CommandSpec> cudaCommands; // written only with a CUDA target
};

struct GpuKernelSpec {
  std::string name;
  std::vector<uint32_t> grid = {1, 1, 1}, block = {32, 1, 1};
  uint32_t sharedMemory = 0;
  std::vector<uint64_t> parameterBytes;
  uint32_t numInputs = 0;
};

struct CudaSpec {
  std::string chip = "sm_80";
  std::string ptx;
  std::vector<GpuKernelSpec> kernels;
};

struct LocationSpec {
  std::string file;
  uint32_t line = 0, column = 0;
};

struct ExecutableSpec {
  uint32_t version = 1;
  std::string model = "tiny";
  std::vector<std::string> targets = {"cpu"};
  std::vector<BufferSpec> buffers;
  std::vector<InitializerSpec> initializers;
  uint64_t persistentSize = 0;
  std::vector<uint8_t> constants;
  std::vector<KernelSpec> kernels;
  std::vector<LocationSpec> locations;
  std::vector<EntryPointSpec> entryPoints;
  bool hasCuda = false; // write `cuda` (its target must be listed separately)
  CudaSpec cuda;
};

/// A buffer whose size is its shape's elements times the dtype's size.
BufferSpec buffer(const std::string &name, fb::DType dtype, std::vector<int64_t> shape,
                  fb::Role role, fb::Region region, int32_t entryPoint, uint64_t offset);

CommandSpec copyCommand(uint32_t source, uint32_t dest, int32_t location = -1);
CommandSpec launchCommand(uint32_t kernel, std::vector<uint32_t> inputs,
                          std::vector<uint32_t> outputs);
CommandSpec gpuLaunchCommand(uint32_t kernel, std::vector<uint32_t> buffers);

/// The serialized executable.
std::vector<uint8_t> build(const ExecutableSpec &spec);

/// Buffer indices of the tiny model.
enum TinyBuffer : uint32_t {
  kW = 0,   // "w": f32 [2, 3] parameter, uniform [-1, 1) seed 7
  kB,       // "b": f32 [3] parameter, data {0.5, 1.5, 2.5}
  kStep,    // "step": i64 [] state, fill 3
  kWMoment, // "w.m": f32 [2, 3] optimizer state, no initializer
  kX,       // "x": f32 [2, 3] input of "forward"
  kY,       // "y": f32 [2, 3] output of "forward"
  kT,       // "t": f32 [2, 3] temporary of "forward"
  kScale,   // "scale": f32 [3] constant {10, 20, 30}
  kZ,       // "z": ui8 [4] input of "other"
  kZOut,    // "z_out": ui8 [4] output of "other"
  kA,       // "a": f32 [2, 3] input of "fused"
  kC,       // "c": f32 [2, 3] output of "fused"
};

/// The tiny model: "forward" copies x to t to y; "other" copies z to z_out;
/// "fused" launches kernel "add_scale" (c = a + scale, scale broadcast).
/// Entry points share one arena, so each overwrites the others.
ExecutableSpec tinySpec();

/// The tiny model with a CUDA target too: each entry point's CUDA commands
/// launch kernels of a small PTX module ("copy2x3" for forward's two copies,
/// "copy4" for other's, "add_scale" for fused; inputs, then outputs).
ExecutableSpec tinyCudaSpec();

/// The tiny model plus entry point "ops" (index 3): one valid command of
/// every op, chained from a convolution to a loss:
/// inputs "img" f32 [2, 3, 8, 8] and "labels" i32 [2] (each in [0, 5)),
/// outputs "loss" and "acc" (f32 scalars).
ExecutableSpec allOpsSpec();

} // namespace dlc::test

#endif // DLC_TEST_UNIT_RUNTIME_TEST_EXECUTABLE_H
