#include "compiler/InspectExecutable.h"

#include "dtype_info.h"
#include "executable_generated.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

namespace fb = dlc::fb;

namespace dlc {
namespace {

using fb::dtypeName;

class Printer {
public:
  Printer(const fb::Executable &exe, llvm::raw_ostream &os) : exe(exe), os(os) {}

  void print() {
    os << "model: " << str(exe.model()) << "\n";
    os << "source: " << str(exe.source()) << "\n";
    os << "schema version: " << exe.version() << "\n";
    os << "targets:";
    if (exe.targets())
      for (const auto *target : *exe.targets())
        os << " " << str(target);
    os << "\n";
    if (exe.optimizer() && exe.optimizer()->size())
      os << "optimizer: " << str(exe.optimizer()) << "\n";
    printParameters();
    for (const fb::EntryPoint *entry : list(exe.entry_points()))
      printEntry(*entry);
    os << "kernels: " << list(exe.kernels()).size() << "\n";
    for (const fb::Kernel *kernel : list(exe.kernels()))
      printKernel(*kernel);
    printCuda();
    printConstants();
  }

private:
  template <typename T>
  static std::vector<const T *> list(const flatbuffers::Vector<flatbuffers::Offset<T>> *v) {
    std::vector<const T *> items;
    if (v)
      for (const T *item : *v)
        items.push_back(item);
    return items;
  }
  static std::string str(const flatbuffers::String *s) { return s ? s->str() : ""; }

  const fb::Buffer *buffer(int64_t index) const {
    auto buffers = exe.buffers();
    if (!buffers || index < 0 || index >= static_cast<int64_t>(buffers->size()))
      return nullptr;
    return buffers->Get(index);
  }

  /// `name: tensor<4x8xf32>`, or a marker for an index out of range.
  std::string describe(int64_t index) const {
    const fb::Buffer *b = buffer(index);
    if (!b)
      return llvm::formatv("<buffer {0} out of range>", index).str();
    std::string text = str(b->name()) + ": tensor<";
    if (b->shape())
      for (int64_t d : *b->shape())
        text += std::to_string(d) + "x";
    return text + dtypeName(b->dtype()) + ">";
  }

  void printParameters() {
    uint64_t trainable = 0, state = 0, optimizerState = 0;
    os << "parameters (persistent region: " << exe.persistent_size() << " bytes):\n";
    auto initializers = list(exe.initializers());
    for (auto [index, b] : llvm::enumerate(list(exe.buffers()))) {
      if (b->region() != fb::Region::Persistent)
        continue;
      std::string init;
      for (const fb::Initializer *i : initializers)
        if (i->buffer() == index)
          init = str(i->source());
      bool isOptimizerState = b->role() == fb::Role::OptimizerState;
      bool isState = b->role() == fb::Role::State;
      (isOptimizerState ? optimizerState : isState ? state : trainable) += b->size();
      os << llvm::formatv("  {0,-40} offset {1,10}  {2}{3}\n", describe(index), b->offset(), init,
                          isOptimizerState ? "  (optimizer state)"
                          : isState        ? "  (state)"
                                           : "");
    }
    os << "  trainable " << trainable << " bytes, state " << state << " bytes";
    if (optimizerState)
      os << ", optimizer state " << optimizerState << " bytes";
    os << "\n";
  }

  void printEntry(const fb::EntryPoint &entry) {
    os << "entry " << str(entry.name()) << " (arena " << entry.arena_size() << " bytes):\n";
    if (entry.inputs())
      for (uint32_t i : *entry.inputs())
        os << "  input  " << describe(i) << "\n";
    if (entry.outputs())
      for (uint32_t i : *entry.outputs())
        os << "  output " << describe(i) << "\n";
    printCommands(entry.commands());
    if (!exe.cuda())
      return;
    auto gpuCommands = list(entry.cuda_commands());
    size_t launches = llvm::count_if(
        gpuCommands, [](const fb::Command *c) { return c->op_type() == fb::Op::GpuLaunch; });
    os << "  on the GPU: " << gpuCommands.size() - launches << " library calls, " << launches
       << " generated kernels\n";
    printCommands(entry.cuda_commands());
  }

  void printCommands(const flatbuffers::Vector<flatbuffers::Offset<fb::Command>> *commands) {
    for (auto [n, command] : llvm::enumerate(list(commands))) {
      os << llvm::formatv("  {0,3} {1,-22}", n, fb::EnumNameOp(command->op_type()));
      printOperands(*command);
      auto locations = exe.locations();
      int32_t loc = command->location();
      if (locations && loc >= 0 && loc < static_cast<int32_t>(locations->size()))
        os << "  @ " << str(locations->Get(loc)->file()) << ":" << locations->Get(loc)->line()
           << ":" << locations->Get(loc)->column();
      os << "\n";
    }
  }

  /// The CUDA target: its chip and PTX size, and each kernel's launch.
  void printCuda() {
    const fb::CudaTarget *cuda = exe.cuda();
    if (!cuda)
      return;
    os << "cuda: chip " << str(cuda->chip()) << ", PTX " << (cuda->ptx() ? cuda->ptx()->size() : 0)
       << " bytes, " << list(cuda->kernels()).size() << " kernels\n";
    for (const fb::GpuKernel *kernel : list(cuda->kernels())) {
      os << "  " << str(kernel->name()) << " grid " << dims(kernel->grid()) << " block "
         << dims(kernel->block());
      if (kernel->shared_memory())
        os << " shared " << kernel->shared_memory();
      os << "\n";
    }
  }

  static std::string dims(const flatbuffers::Vector<uint32_t> *v) {
    std::string text;
    if (v)
      for (auto [i, d] : llvm::enumerate(*v))
        text += (i ? "x" : "") + std::to_string(d);
    return text;
  }

  struct Operands {
    std::vector<int64_t> ins, outs;
  };

  template <typename T> static Operands inputToOutput(const T *t) {
    return {{t->input()}, {t->output()}};
  }
  static std::vector<int64_t> indices(const flatbuffers::Vector<uint32_t> *v) {
    return v ? std::vector<int64_t>(v->begin(), v->end()) : std::vector<int64_t>();
  }

  /// The buffers a command reads and writes.
  static Operands operandsOf(const fb::Command &c) {
    switch (c.op_type()) {
    case fb::Op::Matmul: {
      auto t = c.op_as_Matmul();
      Operands o{{t->a(), t->b()}, {t->c()}};
      if (t->bias() >= 0)
        o.ins.push_back(t->bias());
      return o;
    }
    case fb::Op::Conv2D: {
      auto t = c.op_as_Conv2D();
      Operands o{{t->input(), t->filter()}, {t->output()}};
      if (t->bias() >= 0)
        o.ins.push_back(t->bias());
      return o;
    }
    case fb::Op::Pool2D:
      return inputToOutput(c.op_as_Pool2D());
    case fb::Op::Reduce:
      return inputToOutput(c.op_as_Reduce());
    case fb::Op::Argmax:
      return inputToOutput(c.op_as_Argmax());
    case fb::Op::Transpose:
      return inputToOutput(c.op_as_Transpose());
    case fb::Op::Concat:
      return {indices(c.op_as_Concat()->inputs()), {c.op_as_Concat()->output()}};
    case fb::Op::Slice:
      return inputToOutput(c.op_as_Slice());
    case fb::Op::Pad:
      return inputToOutput(c.op_as_Pad());
    case fb::Op::Softmax:
      return inputToOutput(c.op_as_Softmax());
    case fb::Op::BatchNorm: {
      auto t = c.op_as_BatchNorm();
      return {{t->input(), t->scale(), t->offset(), t->mean(), t->variance()}, {t->output()}};
    }
    case fb::Op::LayerNorm: {
      auto t = c.op_as_LayerNorm();
      return {{t->input(), t->scale(), t->offset()}, {t->output()}};
    }
    case fb::Op::Embedding: {
      auto t = c.op_as_Embedding();
      return {{t->table(), t->indices()}, {t->output()}};
    }
    case fb::Op::Dropout: {
      auto t = c.op_as_Dropout();
      Operands o{{t->input()}, {t->output()}};
      if (t->step() >= 0)
        o.ins.push_back(t->step());
      return o;
    }
    case fb::Op::SoftmaxCrossEntropy: {
      auto t = c.op_as_SoftmaxCrossEntropy();
      return {{t->logits(), t->labels()}, {t->output()}};
    }
    case fb::Op::MseLoss: {
      auto t = c.op_as_MseLoss();
      return {{t->prediction(), t->target()}, {t->output()}};
    }
    case fb::Op::Accuracy: {
      auto t = c.op_as_Accuracy();
      return {{t->logits(), t->labels()}, {t->output()}};
    }
    case fb::Op::Copy:
      return {{c.op_as_Copy()->source()}, {c.op_as_Copy()->dest()}};
    case fb::Op::Launch:
      return {indices(c.op_as_Launch()->inputs()), indices(c.op_as_Launch()->outputs())};
    case fb::Op::Conv2DBackwardData: {
      auto t = c.op_as_Conv2DBackwardData();
      return {{t->grad(), t->filter()}, {t->output()}};
    }
    case fb::Op::Conv2DBackwardFilter: {
      auto t = c.op_as_Conv2DBackwardFilter();
      Operands o{{t->input(), t->grad()}, {t->output()}};
      if (t->bias_grad() >= 0)
        o.outs.push_back(t->bias_grad());
      return o;
    }
    case fb::Op::BatchNormBackward: {
      auto t = c.op_as_BatchNormBackward();
      return {{t->input(), t->grad(), t->scale()},
              {t->input_grad(), t->scale_grad(), t->offset_grad()}};
    }
    case fb::Op::Pool2DBackward: {
      auto t = c.op_as_Pool2DBackward();
      return {{t->input(), t->grad()}, {t->output()}};
    }
    case fb::Op::SoftmaxBackward: {
      auto t = c.op_as_SoftmaxBackward();
      return {{t->output(), t->grad()}, {t->input_grad()}};
    }
    case fb::Op::LayerNormBackward: {
      auto t = c.op_as_LayerNormBackward();
      return {{t->input(), t->grad(), t->scale()}, {t->input_grad(), t->normalized()}};
    }
    case fb::Op::GpuLaunch: // split by the kernel's inputs in printOperands
      return {indices(c.op_as_GpuLaunch()->buffers()), {}};
    case fb::Op::NONE:
      break;
    }
    return {};
  }

  /// `a, b -> c`, after the kernel's name (and a GPU kernel's launch
  /// shape) for a launch.
  void printOperands(const fb::Command &command) {
    if (auto launch = command.op_as_Launch()) {
      const fb::Kernel *kernel = nullptr;
      if (exe.kernels() && launch->kernel() < exe.kernels()->size())
        kernel = exe.kernels()->Get(launch->kernel());
      os << (kernel ? str(kernel->name()) : std::string("<bad kernel>")) << " ";
    }
    Operands operands = operandsOf(command);
    if (auto launch = command.op_as_GpuLaunch()) {
      auto kernels = exe.cuda() ? exe.cuda()->kernels() : nullptr;
      const fb::GpuKernel *kernel =
          kernels && launch->kernel() < kernels->size() ? kernels->Get(launch->kernel()) : nullptr;
      if (!kernel) {
        os << "<bad kernel>";
        return;
      }
      os << str(kernel->name()) << " <<<" << dims(kernel->grid()) << ", " << dims(kernel->block())
         << ">>> ";
      size_t inputs = std::min<size_t>(kernel->num_inputs(), operands.ins.size());
      operands.outs.assign(operands.ins.begin() + inputs, operands.ins.end());
      operands.ins.resize(inputs);
    }
    printList(operands.ins);
    os << " -> ";
    printList(operands.outs);
    std::vector<const char *> flags;
    if (channelsLast<fb::Conv2D, fb::Pool2D, fb::Conv2DBackwardData, fb::Conv2DBackwardFilter,
                     fb::Pool2DBackward, fb::BatchNorm, fb::BatchNormBackward>(command))
      flags.push_back("nhwc");
    if (auto t = command.op_as_Matmul(); t && t->activation() == fb::Activation::Relu)
      flags.push_back("relu");
    if (auto t = command.op_as_Conv2D(); t && t->activation() != fb::Activation::None)
      flags.push_back(t->activation() == fb::Activation::Relu ? "relu" : "tanh");
    if (auto t = command.op_as_Pool2DBackward(); t && t->relu_mask())
      flags.push_back("relu mask");
    for (auto [i, flag] : llvm::enumerate(flags))
      os << (i ? ", " : " [") << flag << (i + 1 == flags.size() ? "]" : "");
  }

  /// Whether the command is one of `Ops` (the tables with a layout) marked
  /// channels_last.
  template <typename... Ops> static bool channelsLast(const fb::Command &command) {
    auto marked = [&](auto *table) { return table && table->channels_last(); };
    return (marked(command.op_as<Ops>()) || ...);
  }

  /// Each constant buffer and its first bytes, as stored (little-endian).
  void printConstants() {
    const flatbuffers::Vector<uint8_t> *data = exe.constants();
    uint64_t size = data ? data->size() : 0;
    os << "constants: " << size << " bytes\n";
    for (auto [index, b] : llvm::enumerate(list(exe.buffers()))) {
      if (b->role() != fb::Role::Constant)
        continue;
      os << llvm::formatv("  {0,-40} offset {1,10}:", describe(index), b->offset());
      if (b->offset() > size || b->size() > size - b->offset()) {
        os << " <outside the constants>\n";
        continue;
      }
      constexpr uint64_t kShown = 16;
      for (uint64_t i = 0; i < std::min(b->size(), kShown); ++i)
        os << llvm::format(" %02x", data->Get(b->offset() + i));
      os << (b->size() > kShown ? " ...\n" : "\n");
    }
  }

  /// `k1_mul [4x8] f32: %0 = Load 0; %1 = Constant 2; %2 = Mul %0, %1 -> %2`
  void printKernel(const fb::Kernel &kernel) {
    os << "  " << str(kernel.name()) << " [";
    if (kernel.shape())
      for (auto [i, d] : llvm::enumerate(*kernel.shape()))
        os << (i ? "x" : "") << d;
    os << "] " << dtypeName(kernel.compute_type()) << ":";
    for (auto [i, instruction] : llvm::enumerate(list(kernel.instructions()))) {
      os << (i ? ";" : "") << " %" << i << " = " << fb::EnumNameOpcode(instruction->opcode());
      if (instruction->opcode() == fb::Opcode::Load)
        os << " " << instruction->index();
      if (instruction->opcode() == fb::Opcode::Constant)
        os << " " << llvm::format("%g", instruction->value());
      if (instruction->operands())
        for (auto [k, operand] : llvm::enumerate(*instruction->operands()))
          os << (k ? ", %" : " %") << operand;
      if (instruction->opcode() == fb::Opcode::Cast)
        os << " to " << dtypeName(instruction->dtype());
    }
    os << " ->";
    if (kernel.results())
      for (auto [k, result] : llvm::enumerate(*kernel.results()))
        os << (k ? ", %" : " %") << result;
    os << "\n";
  }

  void printList(const std::vector<int64_t> &indices) {
    for (size_t i = 0; i < indices.size(); ++i) {
      const fb::Buffer *b = buffer(indices[i]);
      os << (i ? ", " : "") << (b ? str(b->name()) : "<bad buffer>");
    }
  }

  const fb::Executable &exe;
  llvm::raw_ostream &os;
};

} // namespace

bool inspectExecutable(llvm::StringRef path, const std::vector<uint8_t> &bytes,
                       llvm::raw_ostream &os, llvm::raw_ostream &errors) {
  if (bytes.size() < 8 || !fb::ExecutableBufferHasIdentifier(bytes.data())) {
    errors << "dlc: " << path << ": not a dlc executable (no 'DLCX' identifier)\n";
    return false;
  }
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!fb::VerifyExecutableBuffer(verifier)) {
    errors << "dlc: " << path << ": the executable is damaged (FlatBuffers verification failed)\n";
    return false;
  }
  Printer(*fb::GetExecutable(bytes.data()), os).print();
  return true;
}

} // namespace dlc
