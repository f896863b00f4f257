#include "compiler/InspectExecutable.h"

#include "executable_generated.h"

#include "llvm/Support/FormatVariadic.h"

namespace fb = dlc::fb;

namespace dlc {
namespace {

const char *dtypeName(fb::DType dtype) {
  switch (dtype) {
  case fb::DType::F32:
    return "f32";
  case fb::DType::F64:
    return "f64";
  case fb::DType::F16:
    return "f16";
  case fb::DType::BF16:
    return "bf16";
  case fb::DType::I64:
    return "i64";
  case fb::DType::I32:
    return "i32";
  case fb::DType::U8:
    return "ui8";
  case fb::DType::I1:
    return "i1";
  }
  return "?";
}

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
    os << "kernels: " << list(exe.kernels()).size() << ", constants: "
       << (exe.constants() ? exe.constants()->size() : 0) << " bytes\n";
  }

private:
  template <typename T> static std::vector<const T *> list(const flatbuffers::Vector<flatbuffers::Offset<T>> *v) {
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
    uint64_t trainable = 0, state = 0;
    os << "parameters (persistent region: " << exe.persistent_size() << " bytes):\n";
    auto initializers = list(exe.initializers());
    for (auto [index, b] : llvm::enumerate(list(exe.buffers()))) {
      if (b->region() != fb::Region::Persistent || b->role() == fb::Role::Temporary)
        continue;
      std::string init;
      for (const fb::Initializer *i : initializers)
        if (i->buffer() == index)
          init = str(i->source());
      bool isState = b->role() == fb::Role::State;
      (isState ? state : trainable) += b->size();
      os << llvm::formatv("  {0,-40} offset {1,10}  {2}{3}\n", describe(index), b->offset(), init,
                          isState ? "  (state)" : "");
    }
    os << "  trainable " << trainable << " bytes, state " << state << " bytes\n";
  }

  void printEntry(const fb::EntryPoint &entry) {
    os << "entry " << str(entry.name()) << " (arena " << entry.arena_size() << " bytes):\n";
    if (entry.inputs())
      for (uint32_t i : *entry.inputs())
        os << "  input  " << describe(i) << "\n";
    if (entry.outputs())
      for (uint32_t i : *entry.outputs())
        os << "  output " << describe(i) << "\n";
    for (auto [n, command] : llvm::enumerate(list(entry.commands()))) {
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

  /// The buffers a command reads and writes: `a, b -> c`.
  void printOperands(const fb::Command &command) {
    std::vector<int64_t> ins, outs;
    switch (command.op_type()) {
    case fb::Op::Matmul: {
      auto m = command.op_as_Matmul();
      ins = {m->a(), m->b()};
      if (m->bias() >= 0)
        ins.push_back(m->bias());
      outs = {m->c()};
      break;
    }
    case fb::Op::Conv2D: {
      auto c = command.op_as_Conv2D();
      ins = {c->input(), c->filter()};
      if (c->bias() >= 0)
        ins.push_back(c->bias());
      outs = {c->output()};
      break;
    }
    case fb::Op::Launch: {
      auto l = command.op_as_Launch();
      if (l->inputs())
        ins.assign(l->inputs()->begin(), l->inputs()->end());
      if (l->outputs())
        outs.assign(l->outputs()->begin(), l->outputs()->end());
      const fb::Kernel *kernel = nullptr;
      if (exe.kernels() && l->kernel() < exe.kernels()->size())
        kernel = exe.kernels()->Get(l->kernel());
      os << (kernel ? str(kernel->name()) : std::string("<bad kernel>")) << " ";
      break;
    }
    default:
      printGeneric(command);
      return;
    }
    printList(ins);
    os << " -> ";
    printList(outs);
  }

  /// Other commands: their main input and their output.
  void printGeneric(const fb::Command &command) {
    switch (command.op_type()) {
#define DLC_IN_OUT(Type, In, Out)                                                                  \
  case fb::Op::Type: {                                                                             \
    auto t = command.op_as_##Type();                                                               \
    printList({static_cast<int64_t>(t->In())});                                                    \
    os << " -> ";                                                                                  \
    printList({static_cast<int64_t>(t->Out())});                                                   \
    return;                                                                                        \
  }
      DLC_IN_OUT(Pool2D, input, output)
      DLC_IN_OUT(Reduce, input, output)
      DLC_IN_OUT(Argmax, input, output)
      DLC_IN_OUT(Transpose, input, output)
      DLC_IN_OUT(Slice, input, output)
      DLC_IN_OUT(Pad, input, output)
      DLC_IN_OUT(Softmax, input, output)
      DLC_IN_OUT(BatchNorm, input, output)
      DLC_IN_OUT(LayerNorm, input, output)
      DLC_IN_OUT(Embedding, indices, output)
      DLC_IN_OUT(Dropout, input, output)
      DLC_IN_OUT(SoftmaxCrossEntropy, logits, output)
      DLC_IN_OUT(MseLoss, prediction, output)
      DLC_IN_OUT(Accuracy, logits, output)
      DLC_IN_OUT(Copy, source, dest)
#undef DLC_IN_OUT
    default:
      return;
    }
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
