// The loader: a valid file loads and answers lookups; every kind of damage
// is reported as DLC_INVALID_FILE naming the object and the problem, and
// no damage crashes it.
#include "device.h"
#include "executable.h"
#include "test_executable.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>

namespace dlc::test {
namespace {

using fb::DType;
using fb::Region;
using fb::Role;
using rt::Executable;
using rt::Status;

Status loadSpec(const ExecutableSpec &spec, std::shared_ptr<const Executable> *out = nullptr) {
  std::vector<uint8_t> bytes = build(spec);
  std::shared_ptr<const Executable> exe;
  Status status = Executable::loadMemory(bytes.data(), bytes.size(), "tiny.fb", &exe);
  if (out)
    *out = exe;
  return status;
}

TEST(Executable, TinyLoadsWithItsNamesAndShapes) {
  std::shared_ptr<const Executable> exe;
  Status status = loadSpec(tinySpec(), &exe);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_STREQ(exe->modelName(), "tiny");
  ASSERT_EQ(exe->entryPointCount(), 3u);
  EXPECT_STREQ(exe->entryPointName(0), "forward");
  EXPECT_STREQ(exe->entryPointName(2), "fused");
  size_t entry = 0, position = 0;
  ASSERT_TRUE(exe->findEntryPoint("other", &entry).ok());
  EXPECT_EQ(entry, 1u);
  ASSERT_TRUE(exe->findInput(1, "z", &position).ok());
  EXPECT_EQ(exe->inputBuffer(1, position), kZ);
  const rt::BufferInfo z = exe->bufferInfo(kZ);
  EXPECT_STREQ(z.name, "z");
  EXPECT_EQ(z.dtype, DType::U8);
  EXPECT_EQ(z.shape.rank, 1);
  EXPECT_EQ(z.shape.dims[0], 4);
  EXPECT_EQ(z.bytes, 4u);
  ASSERT_EQ(exe->parameters().size(), 4u);
  EXPECT_EQ(exe->parameters()[3], kWMoment);
  ASSERT_TRUE(exe->findParameter("step", &position).ok());
  EXPECT_EQ(position, 2u);
  EXPECT_EQ(exe->arenaSize(), 192u);
  EXPECT_EQ(exe->persistentSize(), 256u);
  EXPECT_EQ(exe->constantsSize(), 16u);
}

TEST(Executable, LookupsNameWhatExists) {
  std::shared_ptr<const Executable> exe;
  ASSERT_TRUE(loadSpec(tinySpec(), &exe).ok());
  size_t index = 0;
  Status status = exe->findEntryPoint("train", &index);
  EXPECT_EQ(status.code(), DLC_NOT_FOUND);
  EXPECT_EQ(status.message(), "tiny.fb: no entry point 'train'; it has: forward, other, fused");
  status = exe->findInput(0, "images", &index);
  EXPECT_EQ(status.code(), DLC_NOT_FOUND);
  EXPECT_EQ(status.message(), "'forward' has no input 'images'; its inputs are: x");
  status = exe->findParameter("w2", &index);
  EXPECT_EQ(status.message(), "model 'tiny' has no parameter 'w2'");
}

TEST(Executable, LoadFileReadsAndMissingFileIsAnIoError) {
  const std::string path = ::testing::TempDir() + "/executable_test_tiny.fb";
  const std::vector<uint8_t> bytes = build(tinySpec());
  FILE *file = std::fopen(path.c_str(), "wb");
  ASSERT_TRUE(file);
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), file), bytes.size());
  std::fclose(file);
  std::shared_ptr<const Executable> exe;
  Status status = Executable::loadFile(path, &exe);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(exe->fileName(), path);

  status = Executable::loadFile(path + ".missing", &exe);
  EXPECT_EQ(status.code(), DLC_IO_ERROR);
  EXPECT_EQ(status.message(), "cannot open " + path + ".missing: No such file or directory");
  status = Executable::loadFile(::testing::TempDir(), &exe);
  EXPECT_EQ(status.code(), DLC_IO_ERROR);
  EXPECT_NE(status.message().find("Is a directory"), std::string::npos);
}

TEST(Executable, RejectsWrongIdentifierAndVersion) {
  std::vector<uint8_t> bytes = build(tinySpec());
  bytes[4] = 'X';
  std::shared_ptr<const Executable> exe;
  Status status = Executable::loadMemory(bytes.data(), bytes.size(), "m.fb", &exe);
  EXPECT_EQ(status.code(), DLC_INVALID_FILE);
  EXPECT_EQ(status.message(),
            "m.fb: not a dlc executable (file identifier 'XLCX', expected 'DLCX')");

  ExecutableSpec spec = tinySpec();
  spec.version = 2;
  status = loadSpec(spec);
  EXPECT_EQ(status.code(), DLC_INVALID_FILE);
  EXPECT_EQ(status.message(), "tiny.fb: built for schema version 2; this runtime reads 1");

  status = Executable::loadMemory("DLCX", 4, "short.fb", &exe);
  EXPECT_EQ(status.message(), "short.fb: 4 bytes are too few for a dlc executable");
}

TEST(Executable, EveryTruncationIsRejectedCleanly) {
  for (const ExecutableSpec &spec : {tinySpec(), tinyCudaSpec()}) {
    const std::vector<uint8_t> bytes = build(spec);
    for (size_t length = 0; length < bytes.size(); ++length) {
      std::shared_ptr<const Executable> exe;
      Status status = Executable::loadMemory(bytes.data(), length, "cut.fb", &exe);
      // FlatBufferBuilder may end the buffer with alignment padding that
      // nothing refers to; cutting only that is harmless.
      if (status.ok() && length + 8 > bytes.size())
        continue;
      ASSERT_EQ(status.code(), DLC_INVALID_FILE) << "length " << length;
      ASSERT_EQ(status.message().rfind("cut.fb: ", 0), 0u) << status.message();
    }
  }
}

/// Loads `bytes`; if they load, looks at everything a session would.
void loadAndWalk(const std::vector<uint8_t> &bytes) {
  std::shared_ptr<const Executable> exe;
  Status status = Executable::loadMemory(bytes.data(), bytes.size(), "fuzz.fb", &exe);
  if (!status.ok()) {
    ASSERT_EQ(status.code(), DLC_INVALID_FILE) << status.message();
    return;
  }
  for (uint32_t i = 0; i < exe->bufferCount(); ++i)
    exe->bufferInfo(i);
  for (size_t e = 0; e < exe->entryPointCount(); ++e) {
    const fb::EntryPoint &entry = exe->entryPoint(e);
    for (const auto *commands : {entry.commands(), entry.cuda_commands()})
      if (commands)
        for (const fb::Command *command : *commands)
          rt::describeCommand(exe->root(), *command);
  }
}

TEST(Executable, FlippedBytesNeverCrash) {
  for (const ExecutableSpec &spec : {tinySpec(), tinyCudaSpec()}) {
    const std::vector<uint8_t> original = build(spec);
    for (size_t i = 0; i < original.size(); ++i) {
      for (uint8_t mask : {0x01, 0x80, 0xFF}) {
        std::vector<uint8_t> bytes = original;
        bytes[i] ^= mask;
        SCOPED_TRACE("byte " + std::to_string(i));
        loadAndWalk(bytes);
      }
    }
  }
}

TEST(Executable, RandomDamageNeverCrashes) {
  for (const ExecutableSpec &spec : {tinySpec(), tinyCudaSpec()}) {
    const std::vector<uint8_t> original = build(spec);
    std::mt19937 random(1234);
    for (int trial = 0; trial < 20000; ++trial) {
      std::vector<uint8_t> bytes = original;
      const int changes = 1 + static_cast<int>(random() % 8);
      for (int c = 0; c < changes; ++c)
        bytes[random() % bytes.size()] = static_cast<uint8_t>(random());
      loadAndWalk(bytes);
    }
  }
}

// The FlatBuffers verifier checks a vector's length alignment only; a
// vector of 64-bit values may start 4 bytes off, which the loader rejects.
TEST(Executable, MisalignedShapeIsRejected) {
  std::vector<std::string> messages;
  for (int padding = 0; padding < 2; ++padding) {
    flatbuffers::FlatBufferBuilder b;
    if (padding)
      b.PushElement<uint32_t>(0);
    // The shape [2, 3] written as four 32-bit words (back to front): only
    // 4-byte aligned.
    b.StartVector(4, sizeof(uint32_t));
    for (uint32_t word : {0u, 3u, 0u, 2u})
      b.PushElement(word);
    const flatbuffers::Offset<flatbuffers::Vector<int64_t>> shape(b.EndVector(2));
    std::vector<flatbuffers::Offset<fb::Buffer>> buffers = {fb::CreateBuffer(
        b, b.CreateString("w"), DType::F32, shape, Role::Parameter, Region::Persistent, -1, 0, 24)};
    fb::FinishExecutableBuffer(b,
                               fb::CreateExecutable(b, 1, 0, 0, 0, b.CreateVector(buffers), 0, 24));
    std::shared_ptr<const Executable> exe;
    Status status = Executable::loadMemory(b.GetBufferPointer(), b.GetSize(), "a.fb", &exe);
    messages.push_back(status.message());
    if (status.ok()) {
      EXPECT_EQ(exe->bufferInfo(0).shape, (rt::Shape{2, {2, 3}}));
    }
  }
  std::sort(messages.begin(), messages.end());
  EXPECT_EQ(messages,
            (std::vector<std::string>{"", "a.fb: buffer 0 'w': the shape is not 8-byte aligned"}));
}

// Many tables can share one long vector; checking them all would take time
// quadratic in the file's size, so the loader stops at a budget.
TEST(Executable, SharedVectorsCannotMakeLoadingSlow) {
  // `concats` commands share one vector of 10000 times x (2 x 3).
  auto withConcats = [](int concats) {
    ExecutableSpec spec = tinySpec();
    spec.buffers.push_back(
        buffer("big", DType::F32, {20000, 3}, Role::Temporary, Region::Arena, 0, 1024));
    spec.entryPoints[0].arenaSize = 1024 + 20000 * 12;
    const uint32_t big = static_cast<uint32_t>(spec.buffers.size() - 1);
    auto inputs = std::make_shared<flatbuffers::Offset<flatbuffers::Vector<uint32_t>>>();
    for (int i = 0; i < concats; ++i)
      spec.entryPoints[0].commands.push_back({fb::Op::Concat,
                                              [=](flatbuffers::FlatBufferBuilder &b) {
                                                if (inputs->IsNull())
                                                  *inputs = b.CreateVector(
                                                      std::vector<uint32_t>(10000, kX));
                                                return fb::CreateConcat(b, *inputs, big, 0).Union();
                                              },
                                              -1});
    return spec;
  };
  Status status = loadSpec(withConcats(2000));
  EXPECT_EQ(status.code(), DLC_INVALID_FILE);
  EXPECT_NE(status.message().find("too costly to check: its tables share vectors of 10000 "
                                  "elements"),
            std::string::npos)
      << status.message();
  status = loadSpec(withConcats(4));
  EXPECT_TRUE(status.ok()) << status.message();
}

struct Damage {
  const char *what;
  std::function<void(ExecutableSpec &)> apply;
  const char *message; // the whole message after "tiny.fb: "
};

// One case per check of the loader: each names the object and the problem.
const std::vector<Damage> &damages() {
  static const std::vector<Damage> cases = {
      {"unknown dtype", [](ExecutableSpec &s) { s.buffers[kW].dtype = static_cast<DType>(42); },
       "buffer 0 'w': unknown dtype 42"},
      {"unknown role", [](ExecutableSpec &s) { s.buffers[kW].role = static_cast<Role>(9); },
       "buffer 0 'w': unknown role 9"},
      {"unknown region", [](ExecutableSpec &s) { s.buffers[kW].region = static_cast<Region>(3); },
       "buffer 0 'w': unknown region 3"},
      {"rank 9", [](ExecutableSpec &s) { s.buffers[kT].shape.assign(9, 1); },
       "buffer 6 't': rank 9 exceeds the limit of 8"},
      {"negative dimension",
       [](ExecutableSpec &s) {
         s.buffers[kT].shape = {2, -3};
       },
       "buffer 6 't': dimension 1 is -3"},
      {"element count overflow",
       [](ExecutableSpec &s) {
         s.buffers[kT].shape = {1 << 30, 1 << 30, 1 << 30};
       },
       "buffer 6 't': tensor<1073741824x1073741824x1073741824xui8> elements exceed the limit "
       "of 281474976710656"},
      {"size mismatch", [](ExecutableSpec &s) { s.buffers[kW].size = 20; },
       "buffer 0 'w': tensor<2x3xf32> is 24 bytes, but the buffer's size is 20"},
      {"offset past the persistent region",
       [](ExecutableSpec &s) { s.buffers[kWMoment].offset = 240; },
       "buffer 3 'w.m': bytes [240, 264) lie outside the persistent region (256 bytes)"},
      {"huge offset", [](ExecutableSpec &s) { s.buffers[kWMoment].offset = ~uint64_t(0) - 3; },
       "buffer 3 'w.m': bytes [18446744073709551612, overflow) lie outside the persistent "
       "region (256 bytes)"},
      {"offset past the arena", [](ExecutableSpec &s) { s.buffers[kY].offset = 176; },
       "buffer 5 'y': bytes [176, 200) lie outside the arena of entry point 'forward' (192 bytes)"},
      {"offset past the constants", [](ExecutableSpec &s) { s.buffers[kScale].offset = 8; },
       "buffer 7 'scale': bytes [8, 20) lie outside the constants (16 bytes)"},
      {"misaligned offset", [](ExecutableSpec &s) { s.buffers[kW].offset = 2; },
       "buffer 0 'w': offset 2 is not a multiple of the f32 element size 4"},
      {"arena of no entry point", [](ExecutableSpec &s) { s.buffers[kX].entryPoint = 3; },
       "buffer 4 'x': entry point 3 does not exist (the file has 3)"},
      {"parameter in the arena", [](ExecutableSpec &s) { s.buffers[kW].region = Region::Arena; },
       "buffer 0 'w': a buffer with role Parameter belongs in the Persistent region, not Arena"},
      {"input in the persistent region",
       [](ExecutableSpec &s) { s.buffers[kX].region = Region::Persistent; },
       "buffer 4 'x': a buffer with role Input belongs in the Arena region, not Persistent"},
      {"unnamed parameter", [](ExecutableSpec &s) { s.buffers[kB].name = ""; },
       "buffer 1 '': a buffer with role Parameter needs a name"},
      {"NUL in a name", [](ExecutableSpec &s) { s.buffers[kB].name = std::string("b\0c", 3); },
       "buffer 1 'b\\x00c': name contains a NUL byte"},
      {"persistent overlap", [](ExecutableSpec &s) { s.buffers[kB].offset = 16; },
       "buffer 0 'w' and buffer 1 'b' overlap in the persistent region"},
      {"duplicate parameter names", [](ExecutableSpec &s) { s.buffers[kB].name = "w"; },
       "buffer 1 'w': another persistent buffer has the same name"},
      {"persistent region too large",
       [](ExecutableSpec &s) { s.persistentSize = uint64_t(1) << 60; },
       "persistent region of 1152921504606846976 bytes exceeds the limit of 281474976710656 "
       "bytes"},
      {"initializer of no buffer", [](ExecutableSpec &s) { s.initializers[0].buffer = 99; },
       "initializer 0: buffer 99 does not exist (the file has 12)"},
      {"initializer of an input", [](ExecutableSpec &s) { s.initializers[0].buffer = kX; },
       "initializer 0 of buffer 4 'x': only persistent buffers have initializers; this one is "
       "Input"},
      {"two initializers", [](ExecutableSpec &s) { s.initializers[1].buffer = kW; },
       "initializer 1 of buffer 0 'w': the buffer has another initializer"},
      {"unknown initializer kind",
       [](ExecutableSpec &s) { s.initializers[0].kind = static_cast<fb::InitKind>(7); },
       "initializer 0 of buffer 0 'w': unknown kind 7"},
      {"uniform low >= high", [](ExecutableSpec &s) { s.initializers[0].low = 1; },
       "initializer 0 of buffer 0 'w': uniform bounds [1, 1) need low < high, both finite"},
      {"normal stddev < 0",
       [](ExecutableSpec &s) {
         s.initializers[0].kind = fb::InitKind::Normal;
         s.initializers[0].stddev = -1;
       },
       "initializer 0 of buffer 0 'w': normal with mean 0 and stddev -1 needs finite values and "
       "stddev >= 0"},
      {"uniform of an integer",
       [](ExecutableSpec &s) {
         s.initializers[2].kind = fb::InitKind::Uniform;
         s.initializers[2].high = 1;
       },
       "initializer 2 of buffer 2 'step': uniform needs a floating-point dtype, not i64"},
      {"fill out of range", [](ExecutableSpec &s) { s.initializers[2].value = 0.5; },
       "initializer 2 of buffer 2 'step': fill value 0.5 is not a i64 value"},
      {"data of the wrong size", [](ExecutableSpec &s) { s.initializers[1].data.resize(8); },
       "initializer 1 of buffer 1 'b': data has 8 bytes; the buffer has 12"},
      {"kernel compute type", [](ExecutableSpec &s) { s.kernels[0].computeType = DType::I32; },
       "kernel 0 'add_scale': compute type must be f32 or f64, not i32"},
      {"unknown opcode",
       [](ExecutableSpec &s) {
         s.kernels[0].instructions[2].opcode = static_cast<fb::Opcode>(200);
       },
       "kernel 0 'add_scale' instruction 2: unknown opcode 200"},
      {"operand defined later",
       [](ExecutableSpec &s) {
         s.kernels[0].instructions[2].operands = {0, 2};
       },
       "kernel 0 'add_scale' instruction 2 (Add): operand 1 refers to value 2, which is not "
       "defined before it"},
      {"operand count", [](ExecutableSpec &s) { s.kernels[0].instructions[2].operands = {0}; },
       "kernel 0 'add_scale' instruction 2 (Add): takes 2 operands, has 1"},
      {"load of no input", [](ExecutableSpec &s) { s.kernels[0].instructions[1].index = 2; },
       "kernel 0 'add_scale' instruction 1 (Load): input 2 does not exist (the kernel has 2)"},
      {"cast to no dtype",
       [](ExecutableSpec &s) {
         s.kernels[0].instructions.push_back({fb::Opcode::Cast, {2}, 0, 0, static_cast<DType>(77)});
       },
       "kernel 0 'add_scale' instruction 3 (Cast): unknown dtype 77"},
      {"result of no value", [](ExecutableSpec &s) { s.kernels[0].results = {3}; },
       "kernel 0 'add_scale': result 0 refers to value 3; the kernel has 3 values"},
      {"duplicate entry point", [](ExecutableSpec &s) { s.entryPoints[1].name = "forward"; },
       "entry point 'forward': another entry point has the same name"},
      {"unnamed entry point", [](ExecutableSpec &s) { s.entryPoints[1].name = ""; },
       "entry point 1: name '' is empty or contains a NUL byte"},
      {"input of no buffer", [](ExecutableSpec &s) { s.entryPoints[0].inputs = {500}; },
       "entry point 'forward': input 0 is buffer 500, which does not exist (the file has 12)"},
      {"input of another arena", [](ExecutableSpec &s) { s.entryPoints[0].inputs = {kZ}; },
       "entry point 'forward': input 0 is buffer 8 'z', which is not an Input in this entry "
       "point's arena"},
      {"output that is a temporary", [](ExecutableSpec &s) { s.entryPoints[0].outputs = {kT}; },
       "entry point 'forward': output 0 is buffer 6 't', which is not an Output in this entry "
       "point's arena"},
      {"inputs with one name",
       [](ExecutableSpec &s) {
         s.buffers[kT].role = Role::Input;
         s.buffers[kT].name = "x";
         s.entryPoints[0].inputs = {kX, kT};
       },
       "entry point 'forward': two inputs are named 'x'"},
      {"overlapping inputs",
       [](ExecutableSpec &s) {
         s.buffers[kT].role = Role::Input;
         s.buffers[kT].offset = 16;
         s.entryPoints[0].inputs = {kX, kT};
       },
       "entry point 'forward': inputs buffer 4 'x' and buffer 6 't' overlap"},
      {"location of no location",
       [](ExecutableSpec &s) { s.entryPoints[0].commands[0].location = 1; },
       "entry point 'forward' command 0: location 1 does not exist (the file has 1)"},
      {"command without op",
       [](ExecutableSpec &s) { s.entryPoints[0].commands[1].type = fb::Op::NONE; },
       "entry point 'forward' command 1: unknown or missing op (type 0)"},
      {"unknown op",
       [](ExecutableSpec &s) { s.entryPoints[0].commands[1].type = static_cast<fb::Op>(99); },
       "entry point 'forward' command 1: unknown or missing op (type 99)"},
      {"copy of no buffer",
       [](ExecutableSpec &s) { s.entryPoints[0].commands[0] = copyCommand(kX, 77, 0); },
       "entry point 'forward' command 0 (tiny.mlir:3:5: copy): dest is buffer 77, which does "
       "not exist (the file has 12)"},
      {"copy from another arena",
       [](ExecutableSpec &s) { s.entryPoints[0].commands[1] = copyCommand(kA, kY); },
       "entry point 'forward' command 1 (copy): source is buffer 10 'a', which lives in the "
       "arena of another entry point"},
      {"copy into a constant",
       [](ExecutableSpec &s) {
         s.buffers[kScale].shape = {2, 3};
         s.buffers[kScale].size = 24;
         s.constants.resize(24);
         s.entryPoints[0].commands[1] = copyCommand(kT, kScale);
       },
       "entry point 'forward' command 1 (copy): dest is buffer 7 'scale', a constant, which "
       "commands must not write"},
      {"copy of different sizes",
       [](ExecutableSpec &s) { s.entryPoints[0].commands[1] = copyCommand(kB, kY); },
       "entry point 'forward' command 1 (copy): source (buffer 1 'b') is tensor<3xf32> (12 bytes), "
       "dest (buffer 5 'y') is tensor<2x3xf32> (24 bytes): sizes differ"},
      {"launch of no kernel",
       [](ExecutableSpec &s) {
         s.entryPoints[2].commands[0] = launchCommand(1, {kA, kScale}, {kC});
       },
       "entry point 'fused' command 0 (launch): kernel 1 does not exist (the file has 1)"},
      {"launch with too few inputs",
       [](ExecutableSpec &s) { s.entryPoints[2].commands[0] = launchCommand(0, {kA}, {kC}); },
       "entry point 'fused' command 0 (launch): passes 1 inputs and 1 outputs; kernel 0 takes 2 "
       "and 1"},
      {"launch output of another shape",
       [](ExecutableSpec &s) {
         s.entryPoints[2].commands[0] = launchCommand(0, {kA, kScale}, {kB});
       },
       "entry point 'fused' command 0 (launch): output (buffer 1 'b') is tensor<3xf32>; the "
       "kernel's shape is tensor<2x3xf32>"},
      {"launch input that does not broadcast",
       [](ExecutableSpec &s) {
         s.buffers[kScale].shape = {2};
         s.buffers[kScale].size = 8;
       },
       "entry point 'fused' command 0 (launch): input (buffer 7 'scale') is tensor<2xf32>, which "
       "does not broadcast to tensor<2x3xf32>"},
  };
  return cases;
}

/// Each damage done to `valid` makes the loader fail with its message.
void expectEachDamageRefused(const ExecutableSpec &valid, const std::vector<Damage> &damages) {
  for (const Damage &damage : damages) {
    SCOPED_TRACE(damage.what);
    ExecutableSpec spec = valid;
    damage.apply(spec);
    Status status = loadSpec(spec);
    EXPECT_EQ(status.code(), DLC_INVALID_FILE);
    EXPECT_EQ(status.message(), std::string("tiny.fb: ") + damage.message);
  }
}

TEST(Executable, EachDamageHasItsMessage) { expectEachDamageRefused(tinySpec(), damages()); }

TEST(Executable, TinyCudaLoads) {
  std::shared_ptr<const Executable> exe;
  Status status = loadSpec(tinyCudaSpec(), &exe);
  ASSERT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(exe->root().cuda()->kernels()->size(), 3u);
  EXPECT_EQ(rt::describeCommand(exe->root(), *exe->entryPoint(2).cuda_commands()->Get(0)),
            "gpu_launch");
}

// The CUDA target: what the loader refuses, each with its message.
std::vector<Damage> cudaDamages() {
  auto kernels = [](ExecutableSpec &s) -> std::vector<GpuKernelSpec> & { return s.cuda.kernels; };
  std::vector<Damage> cases = {
      {"cuda listed, none there", [](ExecutableSpec &s) { s.hasCuda = false; },
       "lists target cuda but has no CUDA target"},
      {"cuda there, not listed", [](ExecutableSpec &s) { s.targets = {"cpu"}; },
       "has a CUDA target but does not list target cuda"},
      {"bad chip", [](ExecutableSpec &s) { s.cuda.chip = "gfx90a"; },
       "CUDA target chip 'gfx90a' is not sm_NN"},
      {"kernels without PTX", [](ExecutableSpec &s) { s.cuda.ptx.clear(); },
       "the CUDA target has kernels but no PTX"},
      {"NUL in the PTX", [](ExecutableSpec &s) { s.cuda.ptx += std::string(1, '\0'); },
       "the CUDA target's PTX contains a NUL byte"},
      {"kernel not in the PTX", [=](ExecutableSpec &s) { kernels(s)[1].name = "copy5"; },
       "CUDA kernel 1 'copy5': the PTX has no such .entry"},
      {"kernel name not an identifier", [=](ExecutableSpec &s) { kernels(s)[0].name = "copy 2x3"; },
       "CUDA kernel 0 'copy 2x3': the name is not a PTX identifier"},
      {"two kernels of one name", [=](ExecutableSpec &s) { kernels(s)[1].name = "copy2x3"; },
       "CUDA kernel 1: another kernel is named 'copy2x3'"},
      {"grid of two dims",
       [=](ExecutableSpec &s) {
         kernels(s)[0].grid = {1, 1};
       },
       "CUDA kernel 0 'copy2x3': grid and block must have 3 dimensions each"},
      {"empty grid",
       [=](ExecutableSpec &s) {
         kernels(s)[0].grid = {0, 1, 1};
       },
       "CUDA kernel 0 'copy2x3': grid dimension 0 is 0; expected 1 to 2147483647"},
      {"grid y too large",
       [=](ExecutableSpec &s) {
         kernels(s)[0].grid = {1, 70000, 1};
       },
       "CUDA kernel 0 'copy2x3': grid dimension 1 is 70000; expected 1 to 65535"},
      {"block too large",
       [=](ExecutableSpec &s) {
         kernels(s)[0].block = {64, 32, 1};
       },
       "CUDA kernel 0 'copy2x3': 2048 threads per block; at most 1024"},
      {"block z too large",
       [=](ExecutableSpec &s) {
         kernels(s)[0].block = {1, 1, 65};
       },
       "CUDA kernel 0 'copy2x3': block dimension 2 is 65"},
      {"too much shared memory",
       [=](ExecutableSpec &s) { kernels(s)[0].sharedMemory = 300 * 1024; },
       "CUDA kernel 0 'copy2x3': 307200 bytes of shared memory; at most 232448"},
      {"more inputs than parameters", [=](ExecutableSpec &s) { kernels(s)[0].numInputs = 3; },
       "CUDA kernel 0 'copy2x3': 3 inputs of 2 parameters"},
      {"launch of a kernel that does not exist",
       [](ExecutableSpec &s) { s.entryPoints[2].cudaCommands[0] = gpuLaunchCommand(3, {kA}); },
       "entry point 'fused' CUDA command 0 (gpu_launch): CUDA kernel 3 does not exist (the file "
       "has 3)"},
      {"launch with too few buffers",
       [](ExecutableSpec &s) {
         s.entryPoints[2].cudaCommands[0] = gpuLaunchCommand(2, {kA, kC});
       },
       "entry point 'fused' CUDA command 0 (gpu_launch): passes 2 buffers; CUDA kernel "
       "'add_scale' takes 3"},
      {"buffer of another size",
       [](ExecutableSpec &s) {
         s.entryPoints[2].cudaCommands[0] = gpuLaunchCommand(2, {kA, kA, kC});
       },
       "entry point 'fused' CUDA command 0 (gpu_launch): input (buffer 10 'a') is "
       "tensor<2x3xf32> has 24 bytes; CUDA kernel 'add_scale' parameter 1 takes 12"},
      {"kernel writes a constant",
       [](ExecutableSpec &s) {
         s.entryPoints[1].cudaCommands[0] = gpuLaunchCommand(1, {kZ, kScale});
         s.cuda.kernels[1].parameterBytes = {4, 12};
       },
       "entry point 'other' CUDA command 0 (gpu_launch): output is buffer 7 'scale', a constant, "
       "which commands must not write"},
      {"launch of another entry point's buffer",
       [](ExecutableSpec &s) {
         s.entryPoints[1].cudaCommands[0] = gpuLaunchCommand(1, {kZ, kY});
       },
       "entry point 'other' CUDA command 0 (gpu_launch): output is buffer 5 'y', which lives in "
       "the arena of another entry point"},
      {"GPU launch among the CPU commands",
       [](ExecutableSpec &s) {
         s.entryPoints[2].commands[0] = gpuLaunchCommand(2, {kA, kScale, kC});
       },
       "entry point 'fused' command 0 (gpu_launch): a GPU launch among the CPU commands"},
      {"CPU-only command among the CUDA commands",
       [](ExecutableSpec &s) { s.entryPoints[0].cudaCommands[0] = copyCommand(kX, kT); },
       "entry point 'forward' CUDA command 0 (copy): is no library call the GPU has; it must be "
       "a generated kernel"},
      {"pooling gradient with a ReLU mask among the CUDA commands",
       [](ExecutableSpec &s) {
         s.entryPoints[0].cudaCommands[0] = {
             fb::Op::Pool2DBackward,
             [](flatbuffers::FlatBufferBuilder &b) {
               std::vector<int64_t> window{1, 1}, padding{0, 0, 0, 0};
               return fb::CreatePool2DBackwardDirect(b, fb::PoolKind::Max, kX, kX, kT, &window,
                                                     &window, &padding, false, true)
                   .Union();
             },
             -1};
       },
       "entry point 'forward' CUDA command 0 (pool2d_backward): a GPU pooling gradient cannot "
       "apply a ReLU mask (a kernel does)"},
  };
  return cases;
}

TEST(Executable, EachCudaDamageHasItsMessage) {
  expectEachDamageRefused(tinyCudaSpec(), cudaDamages());
}

// Ops beyond copy and launch: one valid command each, then a damaged one.
struct OpCase {
  const char *what;
  CommandSpec valid;
  CommandSpec damaged;
  const char *message;
};

CommandSpec command(fb::Op type,
                    std::function<flatbuffers::Offset<void>(flatbuffers::FlatBufferBuilder &)> op) {
  return {type, std::move(op), -1};
}

TEST(Executable, OpShapesAreChecked) {
  // Buffers of entry point 0 ("forward") used below, appended to the tiny model.
  ExecutableSpec base = tinySpec();
  auto add = [&](const char *name, DType dtype, std::vector<int64_t> shape, uint64_t offset) {
    base.buffers.push_back(
        buffer(name, dtype, std::move(shape), Role::Temporary, Region::Arena, 0, offset));
    return static_cast<uint32_t>(base.buffers.size() - 1);
  };
  base.entryPoints[0].arenaSize = 1 << 16;
  const uint32_t a = add("a2", DType::F32, {4, 8}, 1024);  // [4, 8]
  const uint32_t bm = add("b2", DType::F32, {8, 5}, 2048); // [8, 5]
  const uint32_t c = add("c2", DType::F32, {4, 5}, 3072);  // [4, 5]
  const uint32_t img = add("img", DType::F32, {2, 3, 8, 8}, 4096);
  const uint32_t filt = add("filt", DType::F32, {4, 3, 3, 3}, 8192);
  const uint32_t conv = add("conv", DType::F32, {2, 4, 6, 6}, 12288);
  const uint32_t labels = add("labels", DType::I32, {4}, 16384);
  const uint32_t loss = add("loss", DType::F32, {}, 16448);
  const uint32_t tr = add("tr", DType::F32, {8, 4}, 16512);
  const uint32_t sliced = add("sliced", DType::F32, {2, 4}, 16640);
  const uint32_t reduced = add("reduced", DType::F32, {8}, 16768);
  const uint32_t pooled = add("pooled", DType::F32, {2, 4, 3, 3}, 16896);
  const uint32_t imgNhwc = add("img_nhwc", DType::F32, {2, 8, 8, 3}, 20480);
  const uint32_t convNhwc = add("conv_nhwc", DType::F32, {2, 6, 6, 4}, 24576);
  const uint32_t pooledNhwc = add("pooled_nhwc", DType::F32, {2, 3, 3, 4}, 28672);

  std::vector<int64_t> s11 = {1, 1}, p0 = {0, 0, 0, 0}, k2 = {2, 2}, p1 = {1, 1, 1, 1};
  std::vector<int64_t> perm10 = {1, 0}, perm00 = {0, 0}, axes1 = {1}, axes11 = {1, 1};
  std::vector<int64_t> starts = {0, 0}, strides = {2, 2}, badStarts = {0, 6};
  const std::vector<OpCase> cases = {
      {"matmul",
       command(fb::Op::Matmul, [=](auto &b) { return fb::CreateMatmul(b, a, bm, c).Union(); }),
       command(fb::Op::Matmul, [=](auto &b) { return fb::CreateMatmul(b, a, a, c).Union(); }),
       "a (buffer 12 'a2') is tensor<4x8xf32> and b (buffer 12 'a2') is tensor<4x8xf32>: inner "
       "dimensions 8 and 4 differ"},
      {"matmul", // tanh is a convolution's epilogue only
       command(
           fb::Op::Matmul,
           [=](auto &b) {
             return fb::CreateMatmul(b, a, bm, c, -1, false, false, fb::Activation::Relu).Union();
           }),
       command(
           fb::Op::Matmul,
           [=](auto &b) {
             return fb::CreateMatmul(b, a, bm, c, -1, false, false, fb::Activation::Tanh).Union();
           }),
       "a tanh activation is for convolutions only"},
      {"conv2d",
       command(fb::Op::Conv2D,
               [=](auto &b) {
                 return fb::CreateConv2DDirect(b, img, filt, conv, -1, &s11, &p0, &s11, 1,
                                               fb::Activation::Tanh)
                     .Union();
               }),
       command(fb::Op::Conv2D,
               [=](auto &b) {
                 return fb::CreateConv2DDirect(b, img, filt, conv, -1, &s11, &p0, &s11, 1,
                                               static_cast<fb::Activation>(3))
                     .Union();
               }),
       "unknown activation 3"},
      {"conv2d",
       command(fb::Op::Conv2D,
               [=](auto &b) {
                 return fb::CreateConv2DDirect(b, img, filt, conv, -1, &s11, &p0, &s11).Union();
               }),
       command(fb::Op::Conv2D,
               [=](auto &b) {
                 return fb::CreateConv2DDirect(b, img, filt, conv, -1, &s11, &p1, &s11).Union();
               }),
       "input (buffer 15 'img') is tensor<2x3x8x8xf32> and filter (buffer 16 'filt') is "
       "tensor<4x3x3x3xf32>: output (buffer 17 'conv') is tensor<2x4x6x6xf32>; expected "
       "tensor<2x4x8x8xf32>"},
      {"pool2d",
       command(fb::Op::Pool2D,
               [=](auto &b) {
                 return fb::CreatePool2DDirect(b, fb::PoolKind::Max, conv, pooled, &k2, &k2, &p0)
                     .Union();
               }),
       command(
           fb::Op::Pool2D,
           [=](auto &b) {
             return fb::CreatePool2DDirect(b, fb::PoolKind::Max, img, conv, &k2, &k2, &p0).Union();
           }),
       "output (buffer 17 'conv') is tensor<2x4x6x6xf32>; expected tensor<2x3x4x4xf32>"},
      {"conv2d", // channels-last
       command(fb::Op::Conv2D,
               [=](auto &b) {
                 return fb::CreateConv2DDirect(b, imgNhwc, filt, convNhwc, -1, &s11, &p0, &s11, 1,
                                               fb::Activation::Relu, true)
                     .Union();
               }),
       command(fb::Op::Conv2D,
               [=](auto &b) {
                 return fb::CreateConv2DDirect(b, imgNhwc, filt, conv, -1, &s11, &p0, &s11, 1,
                                               fb::Activation::None, true)
                     .Union();
               }),
       "input (buffer 24 'img_nhwc') is tensor<2x8x8x3xf32> and filter (buffer 16 'filt') is "
       "tensor<4x3x3x3xf32>: output (buffer 17 'conv') is tensor<2x4x6x6xf32>; expected "
       "tensor<2x6x6x4xf32>"},
      {"pool2d", // channels-last
       command(fb::Op::Pool2D,
               [=](auto &b) {
                 return fb::CreatePool2DDirect(b, fb::PoolKind::Max, convNhwc, pooledNhwc, &k2, &k2,
                                               &p0, true)
                     .Union();
               }),
       command(fb::Op::Pool2D,
               [=](auto &b) {
                 return fb::CreatePool2DDirect(b, fb::PoolKind::Max, convNhwc, pooled, &k2, &k2,
                                               &p0, true)
                     .Union();
               }),
       "output (buffer 23 'pooled') is tensor<2x4x3x3xf32>; expected tensor<2x3x3x4xf32>"},
      {"transpose",
       command(fb::Op::Transpose,
               [=](auto &b) { return fb::CreateTransposeDirect(b, a, tr, &perm10).Union(); }),
       command(fb::Op::Transpose,
               [=](auto &b) { return fb::CreateTransposeDirect(b, a, tr, &perm00).Union(); }),
       "perm is not a permutation of [0, 2) for input (buffer 12 'a2') is tensor<4x8xf32>"},
      {"reduce",
       command(fb::Op::Reduce,
               [=](auto &b) {
                 return fb::CreateReduceDirect(b, fb::ReduceKind::Sum, tr, reduced, &axes1).Union();
               }),
       command(
           fb::Op::Reduce,
           [=](auto &b) {
             return fb::CreateReduceDirect(b, fb::ReduceKind::Sum, tr, reduced, &axes11).Union();
           }),
       "axis 1 is listed twice"},
      {"slice",
       command(
           fb::Op::Slice,
           [=](auto &b) { return fb::CreateSliceDirect(b, a, sliced, &starts, &strides).Union(); }),
       command(fb::Op::Slice,
               [=](auto &b) {
                 return fb::CreateSliceDirect(b, a, sliced, &badStarts, &strides).Union();
               }),
       "input (buffer 12 'a2') is tensor<4x8xf32> and output (buffer 21 'sliced') is "
       "tensor<2x4xf32>: dimension 1 reads outside the input"},
      {"softmax_cross_entropy",
       command(fb::Op::SoftmaxCrossEntropy,
               [=](auto &b) { return fb::CreateSoftmaxCrossEntropy(b, a, labels, loss).Union(); }),
       command(fb::Op::SoftmaxCrossEntropy,
               [=](auto &b) { return fb::CreateSoftmaxCrossEntropy(b, a, loss, labels).Union(); }),
       "labels (buffer 19 'loss') is tensor<f32>; expected rank 1"},
  };
  for (const OpCase &op : cases) {
    SCOPED_TRACE(op.what);
    ExecutableSpec spec = base;
    spec.entryPoints[0].commands.push_back(op.valid);
    Status status = loadSpec(spec);
    EXPECT_TRUE(status.ok()) << status.message();
    spec.entryPoints[0].commands.back() = op.damaged;
    status = loadSpec(spec);
    EXPECT_EQ(status.code(), DLC_INVALID_FILE);
    EXPECT_EQ(status.message(), std::string("tiny.fb: entry point 'forward' command 2 (") +
                                    op.what + "): " + op.message);
  }
}

TEST(Executable, AValidCommandOfEveryOpLoads) {
  std::shared_ptr<const Executable> exe;
  Status status = loadSpec(allOpsSpec(), &exe);
  ASSERT_TRUE(status.ok()) << status.message();
  size_t entry = 0;
  ASSERT_TRUE(exe->findEntryPoint("ops", &entry).ok());
  std::set<fb::Op> ops;
  for (const fb::Command *command : *exe->entryPoint(entry).commands())
    ops.insert(command->op_type());
  // Every op but GpuLaunch, which only a CUDA command list has (TinyCudaLoads).
  EXPECT_EQ(ops.size(), static_cast<size_t>(fb::Op::MAX) - 1);
  EXPECT_EQ(ops.count(fb::Op::GpuLaunch), 0u);
}

TEST(Executable, DescribeCommandNamesLocationAndOp) {
  std::shared_ptr<const Executable> exe;
  ASSERT_TRUE(loadSpec(tinySpec(), &exe).ok());
  const fb::EntryPoint &forward = exe->entryPoint(0);
  EXPECT_EQ(rt::describeCommand(exe->root(), *forward.commands()->Get(0)), "tiny.mlir:3:5: copy");
  EXPECT_EQ(rt::describeCommand(exe->root(), *forward.commands()->Get(1)), "copy");
  EXPECT_EQ(rt::describeCommand(exe->root(), *exe->entryPoint(2).commands()->Get(0)), "launch");
}

TEST(Executable, OpNamesAreTheModelsSnakeCase) {
  EXPECT_STREQ(rt::opName(fb::Op::Conv2D), "conv2d");
  EXPECT_STREQ(rt::opName(fb::Op::BatchNorm), "batch_norm");
  EXPECT_STREQ(rt::opName(fb::Op::SoftmaxCrossEntropy), "softmax_cross_entropy");
  EXPECT_STREQ(rt::opName(fb::Op::MseLoss), "mse_loss");
  for (int op = 1; op <= static_cast<int>(fb::Op::MAX); ++op) {
    const std::string name = rt::opName(static_cast<fb::Op>(op));
    for (char ch : name)
      EXPECT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_') << name;
  }
}

} // namespace
} // namespace dlc::test
