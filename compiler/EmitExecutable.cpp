// exec-emit-flatbuffer: one FlatBuffer object per exec op.
#include "compiler/EmitExecutable.h"

#include "compiler/EmitGpu.h"
#include "passes/Passes.h"

#include "dialects/dl/DLDialect.h"
#include "dialects/exec/ExecDialect.h"

#include "executable_generated.h"

#include "mlir/IR/Location.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>

using namespace mlir;
using namespace dlc;
namespace fb = dlc::fb;

namespace {

constexpr uint64_t kAlignment = 64;

std::optional<fb::DType> dtypeOf(Type element) {
  if (element.isF32())
    return fb::DType::F32;
  if (element.isF64())
    return fb::DType::F64;
  if (element.isF16())
    return fb::DType::F16;
  if (element.isBF16())
    return fb::DType::BF16;
  if (element.isSignlessInteger(64))
    return fb::DType::I64;
  if (element.isSignlessInteger(32))
    return fb::DType::I32;
  if (element.isUnsignedInteger(8))
    return fb::DType::U8;
  if (element.isSignlessInteger(1))
    return fb::DType::I1;
  return std::nullopt;
}

uint64_t byteSize(ShapedType type) {
  return type.getNumElements() * llvm::divideCeil(type.getElementTypeBitWidth(), 8);
}

/// The op's own source line: inlining wraps locations in call sites.
FileLineColLoc sourceLocation(Location loc) {
  if (auto file = dyn_cast<FileLineColLoc>(loc))
    return file;
  if (auto name = dyn_cast<NameLoc>(loc))
    return sourceLocation(name.getChildLoc());
  if (auto callSite = dyn_cast<CallSiteLoc>(loc))
    return sourceLocation(callSite.getCallee());
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location inner : fused.getLocations())
      if (FileLineColLoc file = sourceLocation(inner))
        return file;
  return {};
}

/// FNV-1a: a parameter's initializer seed, stable when other parameters are
/// added or reordered.
uint64_t seedOf(StringRef name) {
  uint64_t hash = 1469598103934665603ull;
  for (char c : name) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

/// Little-endian bytes of constant data (i1 as one byte per element), or a
/// diagnostic at `at` for data that is not inline (dense_resource).
FailureOr<std::vector<uint8_t>> rawBytes(Operation *at, ElementsAttr value) {
  auto dense = dyn_cast<DenseElementsAttr>(value);
  if (!dense)
    return at->emitError() << "constant data must be a dense<...> literal";
  auto type = cast<ShapedType>(dense.getType());
  std::vector<uint8_t> bytes;
  if (type.getElementType().isInteger(1)) {
    for (bool bit : dense.getValues<bool>())
      bytes.push_back(bit);
    return bytes;
  }
  ArrayRef<char> raw = dense.getRawData();
  size_t elementBytes = llvm::divideCeil(type.getElementTypeBitWidth(), 8);
  size_t count = type.getNumElements();
  bytes.reserve(count * elementBytes);
  for (size_t i = 0; i < count; ++i) {
    size_t from = dense.isSplat() ? 0 : i * elementBytes;
    bytes.insert(bytes.end(), raw.begin() + from, raw.begin() + from + elementBytes);
  }
  return bytes;
}

/// A kernel immediate: i1 and unsigned integers are zero-extended.
double immediateValue(SplatElementsAttr splat) {
  Type element = splat.getElementType();
  if (isa<FloatType>(element))
    return splat.getSplatValue<APFloat>().convertToDouble();
  APInt value = splat.getSplatValue<APInt>();
  if (element.isUnsignedInteger() || element.isInteger(1))
    return static_cast<double>(value.getZExtValue());
  return static_cast<double>(value.getSExtValue());
}

class Emitter {
public:
  Emitter(ModuleOp module, StringRef sourcePath, Targets targets)
      : module(module), sourcePath(sourcePath), targets(targets), gpu(builder, module) {}

  FailureOr<std::vector<uint8_t>> run() {
    if (failed(emitParameters()) || (targets.cpu && failed(emitKernels())))
      return failure();
    std::vector<flatbuffers::Offset<fb::EntryPoint>> entries;
    for (auto entry : module.getOps<exec::EntryOp>()) {
      FailureOr<flatbuffers::Offset<fb::EntryPoint>> emitted = emitEntry(entry);
      if (failed(emitted))
        return failure();
      entries.push_back(*emitted);
    }
    std::vector<flatbuffers::Offset<flatbuffers::String>> targetNames;
    if (targets.cpu)
      targetNames.push_back(builder.CreateString("cpu"));
    if (targets.cuda)
      targetNames.push_back(builder.CreateString("cuda"));
    flatbuffers::Offset<fb::CudaTarget> cuda = targets.cuda ? gpu.finish() : 0;
    std::string optimizer;
    if (Attribute attr = module->getAttr(dl::DLDialect::kOptimizerAttrName))
      llvm::raw_string_ostream(optimizer) << attr;
    std::string dataset;
    if (auto attr = module->getAttrOfType<StringAttr>(dl::DLDialect::kDatasetAttrName))
      dataset = attr.getValue().str();
    auto executable = fb::CreateExecutableDirect(
        builder, static_cast<uint32_t>(fb::SchemaVersion::Current),
        module.getSymName().value_or("model").str().c_str(), sourcePath.str().c_str(), &targetNames,
        &buffers, &initializers, persistentSize, &constants, &kernels, &locations, &entries,
        optimizer.c_str(), dataset.empty() ? nullptr : dataset.c_str(), cuda);
    builder.Finish(executable, fb::ExecutableIdentifier());
    return std::vector<uint8_t>(builder.GetBufferPointer(),
                                builder.GetBufferPointer() + builder.GetSize());
  }

private:
  //===--------------------------------------------------------------------===//
  // Buffers
  //===--------------------------------------------------------------------===//

  FailureOr<uint32_t> addBuffer(Operation *at, StringRef name, ShapedType type, fb::Role role,
                                fb::Region region, int32_t entryPoint, uint64_t offset) {
    std::optional<fb::DType> dtype = dtypeOf(type.getElementType());
    if (!dtype)
      return at->emitError() << "element type " << type.getElementType()
                             << " has no executable dtype";
    std::vector<int64_t> shape(type.getShape().begin(), type.getShape().end());
    buffers.push_back(fb::CreateBufferDirect(builder, name.str().c_str(), *dtype, &shape, role,
                                             region, entryPoint, offset, byteSize(type)));
    placements.push_back({region, entryPoint, offset, byteSize(type)});
    return static_cast<uint32_t>(buffers.size() - 1);
  }

  LogicalResult emitParameters() {
    for (auto param : module.getOps<dl::ParamOp>()) {
      RankedTensorType type = param.getTensorType();
      FailureOr<uint32_t> index = addBuffer(param, param.getSymName(), type,
                                            param->hasAttr(dl::DLDialect::kOptimizerStateAttrName)
                                                ? fb::Role::OptimizerState
                                            : param.getState() ? fb::Role::State
                                                               : fb::Role::Parameter,
                                            fb::Region::Persistent, -1, persistentSize);
      if (failed(index))
        return failure();
      persistentSize = llvm::alignTo(persistentSize + byteSize(type), kAlignment);
      params[param.getSymNameAttr()] = *index;
      FailureOr<flatbuffers::Offset<fb::Initializer>> initializer = emitInitializer(param, *index);
      if (failed(initializer))
        return failure();
      initializers.push_back(*initializer);
    }
    return success();
  }

  /// He and Glorot resolve to Normal/Uniform here, from the weight's fans:
  /// rank 2 is [in, out]; rank >= 3 is [out, in, spatial...].
  FailureOr<flatbuffers::Offset<fb::Initializer>> emitInitializer(dl::ParamOp param,
                                                                  uint32_t index) {
    Attribute init = param.getInit();
    std::string source;
    llvm::raw_string_ostream(source) << init;
    fb::InitializerT t;
    t.buffer = index;
    t.seed = seedOf(param.getSymName());
    t.source = source;
    ArrayRef<int64_t> shape = param.getTensorType().getShape();
    double fanIn = 0, fanOut = 0;
    if (shape.size() == 2) {
      fanIn = shape[0];
      fanOut = shape[1];
    } else if (shape.size() > 2) {
      double receptive = 1;
      for (int64_t d : shape.drop_front(2))
        receptive *= d;
      fanIn = shape[1] * receptive;
      fanOut = shape[0] * receptive;
    }
    auto uniform = [&](double low, double high) {
      t.kind = fb::InitKind::Uniform;
      t.low = low;
      t.high = high;
    };
    auto normal = [&](double mean, double stddev) {
      t.kind = fb::InitKind::Normal;
      t.mean = mean;
      t.stddev = stddev;
    };
    auto fill = [&](double value) {
      t.kind = fb::InitKind::Fill;
      t.value = value;
    };
    FailureOr<std::vector<uint8_t>> data = std::vector<uint8_t>();
    TypeSwitch<Attribute>(init)
        .Case([&](dl::ZerosInitAttr) { fill(0.0); })
        .Case([&](dl::OnesInitAttr) { fill(1.0); })
        .Case([&](dl::ConstantInitAttr c) { fill(c.getValue().convertToDouble()); })
        .Case([&](dl::UniformInitAttr u) {
          uniform(u.getLow().convertToDouble(), u.getHigh().convertToDouble());
        })
        .Case([&](dl::NormalInitAttr n) {
          normal(n.getMean().convertToDouble(), n.getStddev().convertToDouble());
        })
        .Case([&](dl::HeNormalInitAttr) { normal(0.0, std::sqrt(2.0 / fanIn)); })
        .Case([&](dl::HeUniformInitAttr) {
          double bound = std::sqrt(6.0 / fanIn);
          uniform(-bound, bound);
        })
        .Case([&](dl::GlorotNormalInitAttr) { normal(0.0, std::sqrt(2.0 / (fanIn + fanOut))); })
        .Case([&](dl::GlorotUniformInitAttr) {
          double bound = std::sqrt(6.0 / (fanIn + fanOut));
          uniform(-bound, bound);
        })
        .Case([&](ElementsAttr value) {
          t.kind = fb::InitKind::Data;
          data = rawBytes(param, value);
        });
    if (failed(data))
      return failure();
    t.data = std::move(*data);
    return fb::Initializer::Pack(builder, &t);
  }

  /// Constant data, stored once however often it is used.
  FailureOr<uint32_t> constantBuffer(exec::ConstantOp op) {
    auto it = constantIndex.find(op.getValue());
    if (it != constantIndex.end())
      return it->second;
    FailureOr<std::vector<uint8_t>> bytes = rawBytes(op, op.getValue());
    if (failed(bytes))
      return failure();
    uint64_t offset = llvm::alignTo(constants.size(), kAlignment);
    constants.resize(offset, 0);
    constants.insert(constants.end(), bytes->begin(), bytes->end());
    FailureOr<uint32_t> index = addBuffer(op, "constant", op.getBuffer().getType(),
                                          fb::Role::Constant, fb::Region::Constants, -1, offset);
    if (succeeded(index))
      constantIndex[op.getValue()] = *index;
    return index;
  }

  //===--------------------------------------------------------------------===//
  // Kernels
  //===--------------------------------------------------------------------===//

  LogicalResult emitKernels() {
    for (auto kernel : module.getOps<exec::KernelOp>()) {
      FailureOr<flatbuffers::Offset<fb::Kernel>> emitted = emitKernel(kernel);
      if (failed(emitted))
        return failure();
      kernelIndex[kernel.getSymNameAttr()] = kernels.size();
      kernels.push_back(*emitted);
    }
    return success();
  }

  static std::optional<fb::Opcode> opcodeOf(Operation *op) {
    return TypeSwitch<Operation *, std::optional<fb::Opcode>>(op)
        .Case([](dl::NegOp) { return fb::Opcode::Neg; })
        .Case([](dl::AbsOp) { return fb::Opcode::Abs; })
        .Case([](dl::ExpOp) { return fb::Opcode::Exp; })
        .Case([](dl::LogOp) { return fb::Opcode::Log; })
        .Case([](dl::SqrtOp) { return fb::Opcode::Sqrt; })
        .Case([](dl::RsqrtOp) { return fb::Opcode::Rsqrt; })
        .Case([](dl::TanhOp) { return fb::Opcode::Tanh; })
        .Case([](dl::SinOp) { return fb::Opcode::Sin; })
        .Case([](dl::CosOp) { return fb::Opcode::Cos; })
        .Case([](dl::SigmoidOp) { return fb::Opcode::Sigmoid; })
        .Case([](dl::ReluOp) { return fb::Opcode::Relu; })
        .Case([](dl::GeluOp g) {
          return g.getApproximate() ? fb::Opcode::GeluTanh : fb::Opcode::Gelu;
        })
        .Case([](dl::GeluBackwardOp g) {
          return g.getApproximate() ? fb::Opcode::GeluTanhGrad : fb::Opcode::GeluGrad;
        })
        .Case([](dl::AddOp) { return fb::Opcode::Add; })
        .Case([](dl::SubOp) { return fb::Opcode::Sub; })
        .Case([](dl::MulOp) { return fb::Opcode::Mul; })
        .Case([](dl::DivOp) { return fb::Opcode::Div; })
        .Case([](dl::PowOp) { return fb::Opcode::Pow; })
        .Case([](dl::MaximumOp) { return fb::Opcode::Maximum; })
        .Case([](dl::MinimumOp) { return fb::Opcode::Minimum; })
        .Case([](dl::SelectOp) { return fb::Opcode::Select; })
        .Case([](dl::CastOp) { return fb::Opcode::Cast; })
        .Case([](dl::CompareOp c) {
          switch (c.getDirection()) {
          case dl::CompareDirection::eq:
            return fb::Opcode::CmpEq;
          case dl::CompareDirection::ne:
            return fb::Opcode::CmpNe;
          case dl::CompareDirection::lt:
            return fb::Opcode::CmpLt;
          case dl::CompareDirection::le:
            return fb::Opcode::CmpLe;
          case dl::CompareDirection::gt:
            return fb::Opcode::CmpGt;
          case dl::CompareDirection::ge:
            return fb::Opcode::CmpGe;
          }
          llvm_unreachable("unknown comparison");
        })
        .Default([](Operation *) { return std::nullopt; });
  }

  /// The body's values in order: block arguments load inputs, splat
  /// constants become immediates, broadcast_to is implicit (every load
  /// broadcasts to the iteration space).
  FailureOr<flatbuffers::Offset<fb::Kernel>> emitKernel(exec::KernelOp kernel) {
    Block &body = kernel.getBody().front();
    auto yield = cast<exec::YieldOp>(body.getTerminator());
    DenseMap<Value, uint16_t> valueIndex;
    std::vector<flatbuffers::Offset<fb::Instruction>> instructions;
    bool wide = false;
    auto note = [&](Type type) {
      Type element = getElementTypeOrSelf(type);
      wide |= element.isF64() || element.isSignlessInteger(64);
    };
    auto define = [&](Value value, const fb::InstructionT &instruction) {
      valueIndex[value] = instructions.size();
      instructions.push_back(fb::Instruction::Pack(builder, &instruction));
    };
    for (BlockArgument argument : body.getArguments()) {
      note(argument.getType());
      fb::InstructionT load;
      load.opcode = fb::Opcode::Load;
      load.index = argument.getArgNumber();
      define(argument, load);
    }
    for (Operation &op : body.without_terminator()) {
      if (op.getNumResults() != 1)
        return op.emitError() << "cannot be part of a kernel";
      note(op.getResult(0).getType());
      if (auto constant = dyn_cast<dl::ConstantOp>(op)) {
        auto splat = dyn_cast<SplatElementsAttr>(constant.getValue());
        if (!splat)
          return op.emitError() << "only splat constants can be kernel immediates";
        fb::InstructionT immediate;
        immediate.opcode = fb::Opcode::Constant;
        immediate.value = immediateValue(splat);
        define(constant.getResult(), immediate);
        continue;
      }
      if (auto broadcast = dyn_cast<dl::BroadcastToOp>(op)) {
        valueIndex[broadcast.getResult()] = valueIndex.lookup(broadcast.getInput());
        continue;
      }
      std::optional<fb::Opcode> opcode = opcodeOf(&op);
      if (!opcode)
        return op.emitError() << "cannot be part of a kernel";
      fb::InstructionT instruction;
      instruction.opcode = *opcode;
      for (Value operand : op.getOperands())
        instruction.operands.push_back(valueIndex.lookup(operand));
      if (*opcode == fb::Opcode::Cast)
        instruction.dtype = *dtypeOf(getElementTypeOrSelf(op.getResult(0).getType()));
      define(op.getResult(0), instruction);
    }
    std::vector<uint16_t> results;
    for (Value result : yield.getResults())
      results.push_back(valueIndex.lookup(result));
    auto shapeType = cast<ShapedType>(yield.getResults().front().getType());
    std::vector<int64_t> shape(shapeType.getShape().begin(), shapeType.getShape().end());
    return fb::CreateKernelDirect(builder, kernel.getSymName().str().c_str(), &shape,
                                  wide ? fb::DType::F64 : fb::DType::F32, body.getNumArguments(),
                                  &instructions, &results);
  }

  //===--------------------------------------------------------------------===//
  // Entry points and commands
  //===--------------------------------------------------------------------===//

  /// The call or launch that writes `buffer`, if any.
  static Operation *producerOf(Value buffer) {
    for (Operation *user : buffer.getUsers()) {
      if (auto call = dyn_cast<exec::CallOp>(user);
          call && llvm::is_contained(call.getOuts(), buffer))
        return user;
      if (auto launch = dyn_cast<exec::LaunchOp>(user);
          launch && llvm::is_contained(launch.getOuts(), buffer))
        return user;
    }
    return nullptr;
  }

  /// "conv2d:23", the routine, kernel or view and the model line, to name a
  /// temporary in `dlc inspect`.
  static std::string temporaryName(Operation *producer) {
    std::string what = "temporary";
    if (auto call = dyn_cast_or_null<exec::CallOp>(producer))
      what = call.getCallee().str();
    else if (auto launch = dyn_cast_or_null<exec::LaunchOp>(producer))
      what = launch.getKernel().str();
    else if (isa_and_nonnull<exec::ViewOp>(producer))
      what = "view";
    if (producer)
      if (FileLineColLoc loc = sourceLocation(producer->getLoc()))
        what += ":" + std::to_string(loc.getLine());
    return what;
  }

  FailureOr<flatbuffers::Offset<fb::EntryPoint>> emitEntry(exec::EntryOp entry) {
    int32_t entryIndex = entryCount++;
    if (!entry.getArenaSize())
      return entry.emitOpError() << "has no memory plan; run exec-plan-memory first";
    DenseMap<Value, uint32_t> bufferIndex;
    std::vector<uint32_t> inputs, outputs;
    auto ret = cast<exec::ReturnOp>(entry.getBody().front().getTerminator());
    DenseMap<Value, StringRef> outputName;
    for (auto [value, name] : llvm::zip(ret.getResults(), entry.getOutputs()))
      outputName[value] = cast<StringAttr>(name).getValue();

    std::vector<flatbuffers::Offset<fb::Command>> commands, cudaCommands;
    for (Operation &op : entry.getBody().front()) {
      FailureOr<uint32_t> index = 0u;
      bool definesBuffer = true;
      if (auto input = dyn_cast<exec::InputOp>(op)) {
        if (!input.getOffset())
          return op.emitOpError() << "has no offset; run exec-plan-memory first";
        index = addBuffer(&op, input.getName(), input.getBuffer().getType(), fb::Role::Input,
                          fb::Region::Arena, entryIndex, *input.getOffset());
        if (succeeded(index))
          inputs.push_back(*index);
      } else if (auto param = dyn_cast<exec::ParamOp>(op)) {
        auto it = params.find(param.getNameAttr().getAttr());
        if (it == params.end())
          return op.emitError() << "names " << param.getNameAttr() << ", which is no dl.param";
        index = it->second;
      } else if (auto constant = dyn_cast<exec::ConstantOp>(op)) {
        index = constantBuffer(constant);
      } else if (auto alloc = dyn_cast<exec::AllocOp>(op)) {
        if (!alloc.getOffset())
          return op.emitOpError() << "has no offset; run exec-plan-memory first";
        Value buffer = alloc.getBuffer();
        bool isOutput = outputName.count(buffer);
        index = addBuffer(&op, isOutput ? outputName[buffer] : temporaryName(producerOf(buffer)),
                          alloc.getBuffer().getType(),
                          isOutput ? fb::Role::Output : fb::Role::Temporary, fb::Region::Arena,
                          entryIndex, *alloc.getOffset());
      } else if (auto view = dyn_cast<exec::ViewOp>(op)) {
        index = emitView(view, bufferIndex, outputName);
      } else {
        definesBuffer = false;
      }
      if (failed(index))
        return failure();
      if (definesBuffer) {
        bufferIndex[op.getResult(0)] = *index;
        continue;
      }
      if (isa<exec::ReturnOp>(op))
        continue;
      if (targets.cpu) {
        FailureOr<flatbuffers::Offset<fb::Command>> command = emitCommand(op, bufferIndex, false);
        if (failed(command))
          return failure();
        commands.push_back(*command);
      }
      if (targets.cuda && failed(emitGpuCommands(op, bufferIndex, cudaCommands)))
        return failure();
    }
    for (Value result : ret.getResults())
      outputs.push_back(bufferIndex.lookup(result));
    return fb::CreateEntryPointDirect(builder, entry.getSymName().str().c_str(), &inputs, &outputs,
                                      *entry.getArenaSize(), &commands,
                                      targets.cuda ? &cudaCommands : nullptr);
  }

  /// A command's GPU form: a library call (the CPU's table, a pooling
  /// gradient without its ReLU mask) and/or launches of generated kernels.
  LogicalResult emitGpuCommands(Operation &op, const DenseMap<Value, uint32_t> &bufferIndex,
                                std::vector<flatbuffers::Offset<fb::Command>> &out) {
    auto call = dyn_cast<exec::CallOp>(op);
    if (call && isLibraryRoutine(call.getCallee())) {
      FailureOr<flatbuffers::Offset<fb::Command>> command = emitCommand(op, bufferIndex, true);
      if (failed(command))
        return failure();
      out.push_back(*command);
    } else if (!op.hasAttr(kGpuKernelsAttr)) {
      return op.emitOpError() << "has no GPU form; run exec-outline-gpu-kernels first";
    }
    return gpu.emitLaunches(
        op, locationOf(op),
        [&](Value value) {
          uint32_t index = bufferIndex.lookup(value);
          return std::make_pair(index, placements[index].size);
        },
        out);
  }

  /// A view is another buffer over its source's bytes: in the arena, a
  /// temporary or an output; over a constant, a constant. Persistent buffers
  /// have no aliases (the runtime checks that they do not overlap).
  FailureOr<uint32_t> emitView(exec::ViewOp view, const DenseMap<Value, uint32_t> &bufferIndex,
                               const DenseMap<Value, StringRef> &outputName) {
    Placement place = placements[bufferIndex.lookup(view.getSource())];
    Value buffer = view.getBuffer();
    auto type = cast<ShapedType>(buffer.getType());
    switch (place.region) {
    case fb::Region::Persistent:
      return view.emitOpError() << "views a parameter; copy it into an exec.alloc instead";
    case fb::Region::Constants:
      return addBuffer(view, "constant", type, fb::Role::Constant, place.region, place.entryPoint,
                       place.offset);
    case fb::Region::Arena:
      break;
    }
    auto output = outputName.find(buffer);
    if (output != outputName.end())
      return addBuffer(view, output->second, type, fb::Role::Output, place.region, place.entryPoint,
                       place.offset);
    return addBuffer(view, temporaryName(view), type, fb::Role::Temporary, place.region,
                     place.entryPoint, place.offset);
  }

  int32_t locationOf(Operation &op) {
    FileLineColLoc loc = sourceLocation(op.getLoc());
    if (!loc)
      return -1;
    auto key = std::make_tuple(loc.getFilename().str(), loc.getLine(), loc.getColumn());
    auto [it, inserted] = locationIndex.try_emplace(key, locations.size());
    if (inserted)
      locations.push_back(fb::CreateLocationDirect(builder, loc.getFilename().str().c_str(),
                                                   loc.getLine(), loc.getColumn()));
    return it->second;
  }

  /// The command of `op`; `forGpu` leaves out what the GPU's library lacks
  /// (a pooling gradient's ReLU mask, which a kernel applies after it).
  FailureOr<flatbuffers::Offset<fb::Command>>
  emitCommand(Operation &op, const DenseMap<Value, uint32_t> &bufferIndex, bool forGpu) {
    auto idx = [&](Value value) { return bufferIndex.lookup(value); };
    auto ints = [](Attribute attr) {
      ArrayRef<int64_t> values = cast<DenseI64ArrayAttr>(attr).asArrayRef();
      return std::vector<int64_t>(values.begin(), values.end());
    };
    auto f64 = [](Attribute attr) { return cast<FloatAttr>(attr).getValueAsDouble(); };
    auto i64 = [](Attribute attr) { return cast<IntegerAttr>(attr).getInt(); };
    auto flag = [](Attribute attr) { return attr && cast<BoolAttr>(attr).getValue(); };
    auto activation = [](Attribute attr) {
      StringRef name = attr ? cast<StringAttr>(attr).getValue() : "none";
      return name == "relu"   ? fb::Activation::Relu
             : name == "tanh" ? fb::Activation::Tanh
                              : fb::Activation::None;
    };

    fb::OpUnion payload;
    if (auto launch = dyn_cast<exec::LaunchOp>(op)) {
      fb::LaunchT t;
      t.kernel = kernelIndex.lookup(launch.getKernelAttr().getAttr());
      for (Value in : launch.getIns())
        t.inputs.push_back(idx(in));
      for (Value out : launch.getOuts())
        t.outputs.push_back(idx(out));
      payload.Set(std::move(t));
    } else if (auto call = dyn_cast<exec::CallOp>(op)) {
      ValueRange ins = call.getIns();
      uint32_t out = idx(call.getOuts().front());
      StringRef routine = call.getCallee();
      auto attr = [&](StringRef name) { return op.getAttr(name); };
      // The window attributes a convolution and its gradients share, and a
      // pooling and its gradient.
      auto convWindow = [&](auto &t) {
        t.stride = ints(attr("stride"));
        t.padding = ints(attr("padding"));
        t.dilation = ints(attr("dilation"));
        t.groups = i64(attr("groups"));
        t.channels_last = flag(attr("channels_last"));
      };
      auto poolWindow = [&](auto &t) {
        StringRef kind = cast<StringAttr>(attr("kind")).getValue();
        t.kind = kind == "max"       ? fb::PoolKind::Max
                 : kind == "average" ? fb::PoolKind::Average
                                     : fb::PoolKind::AverageIncludePad;
        t.kernel = ints(attr("kernel"));
        t.stride = ints(attr("stride"));
        t.padding = ints(attr("padding"));
        t.channels_last = flag(attr("channels_last"));
      };
      if (routine == "matmul") {
        fb::MatmulT t;
        t.a = idx(ins[0]);
        t.b = idx(ins[1]);
        t.c = out;
        t.bias = ins.size() > 2 ? static_cast<int32_t>(idx(ins[2])) : -1;
        t.transpose_a = flag(attr("transpose_a"));
        t.transpose_b = flag(attr("transpose_b"));
        t.activation = activation(attr("activation"));
        payload.Set(std::move(t));
      } else if (routine == "conv2d") {
        fb::Conv2DT t;
        t.input = idx(ins[0]);
        t.filter = idx(ins[1]);
        t.output = out;
        t.bias = ins.size() > 2 ? static_cast<int32_t>(idx(ins[2])) : -1;
        convWindow(t);
        t.activation = activation(attr("activation"));
        payload.Set(std::move(t));
      } else if (routine == "pool2d") {
        fb::Pool2DT t;
        t.input = idx(ins[0]);
        t.output = out;
        poolWindow(t);
        payload.Set(std::move(t));
      } else if (routine == "conv2d_backward_data") {
        fb::Conv2DBackwardDataT t;
        t.grad = idx(ins[0]);
        t.filter = idx(ins[1]);
        t.output = out;
        convWindow(t);
        payload.Set(std::move(t));
      } else if (routine == "conv2d_backward_filter") {
        fb::Conv2DBackwardFilterT t;
        t.input = idx(ins[0]);
        t.grad = idx(ins[1]);
        t.output = out;
        t.bias_grad = call.getOuts().size() > 1 ? static_cast<int32_t>(idx(call.getOuts()[1])) : -1;
        convWindow(t);
        payload.Set(std::move(t));
      } else if (routine == "pool2d_backward") {
        fb::Pool2DBackwardT t;
        t.input = idx(ins[0]);
        t.grad = idx(ins[1]);
        t.output = out;
        poolWindow(t);
        t.relu_mask = !forGpu && flag(attr("relu_mask"));
        payload.Set(std::move(t));
      } else if (routine == "reduce") {
        fb::ReduceT t;
        StringRef kind = cast<StringAttr>(attr("kind")).getValue();
        t.kind = kind == "sum"    ? fb::ReduceKind::Sum
                 : kind == "mean" ? fb::ReduceKind::Mean
                                  : fb::ReduceKind::Max;
        t.input = idx(ins[0]);
        t.output = out;
        t.axes = ints(attr("axes"));
        payload.Set(std::move(t));
      } else if (routine == "argmax") {
        fb::ArgmaxT t;
        t.input = idx(ins[0]);
        t.output = out;
        t.axis = i64(attr("axis"));
        payload.Set(std::move(t));
      } else if (routine == "transpose") {
        fb::TransposeT t;
        t.input = idx(ins[0]);
        t.output = out;
        t.perm = ints(attr("perm"));
        payload.Set(std::move(t));
      } else if (routine == "concat") {
        fb::ConcatT t;
        for (Value in : ins)
          t.inputs.push_back(idx(in));
        t.output = out;
        t.axis = i64(attr("axis"));
        payload.Set(std::move(t));
      } else if (routine == "slice") {
        fb::SliceT t;
        t.input = idx(ins[0]);
        t.output = out;
        t.starts = ints(attr("starts"));
        t.strides = ints(attr("strides"));
        payload.Set(std::move(t));
      } else if (routine == "pad") {
        fb::PadT t;
        t.input = idx(ins[0]);
        t.output = out;
        t.low = ints(attr("low"));
        t.value = f64(attr("value"));
        payload.Set(std::move(t));
      } else if (routine == "softmax") {
        fb::SoftmaxT t;
        t.input = idx(ins[0]);
        t.output = out;
        t.axis = i64(attr("axis"));
        t.log = flag(attr("log"));
        payload.Set(std::move(t));
      } else if (routine == "softmax_backward") {
        fb::SoftmaxBackwardT t;
        t.output = idx(ins[0]);
        t.grad = idx(ins[1]);
        t.input_grad = out;
        t.axis = i64(attr("axis"));
        t.log = flag(attr("log"));
        payload.Set(std::move(t));
      } else if (routine == "batch_norm") {
        fb::BatchNormT t;
        t.input = idx(ins[0]);
        t.scale = idx(ins[1]);
        t.offset = idx(ins[2]);
        t.mean = idx(ins[3]);
        t.variance = idx(ins[4]);
        t.output = out;
        t.epsilon = f64(attr("epsilon"));
        t.momentum = f64(attr("momentum"));
        t.training = flag(attr("training"));
        t.channels_last = flag(attr("channels_last"));
        payload.Set(std::move(t));
      } else if (routine == "batch_norm_backward") {
        fb::BatchNormBackwardT t;
        t.input = idx(ins[0]);
        t.grad = idx(ins[1]);
        t.scale = idx(ins[2]);
        t.input_grad = out;
        t.scale_grad = idx(call.getOuts()[1]);
        t.offset_grad = idx(call.getOuts()[2]);
        t.epsilon = f64(attr("epsilon"));
        t.channels_last = flag(attr("channels_last"));
        payload.Set(std::move(t));
      } else if (routine == "layer_norm") {
        fb::LayerNormT t;
        t.input = idx(ins[0]);
        t.scale = idx(ins[1]);
        t.offset = idx(ins[2]);
        t.output = out;
        t.axis = i64(attr("axis"));
        t.epsilon = f64(attr("epsilon"));
        payload.Set(std::move(t));
      } else if (routine == "layer_norm_backward") {
        fb::LayerNormBackwardT t;
        t.input = idx(ins[0]);
        t.grad = idx(ins[1]);
        t.scale = idx(ins[2]);
        t.input_grad = out;
        t.normalized = idx(call.getOuts()[1]);
        t.axis = i64(attr("axis"));
        t.epsilon = f64(attr("epsilon"));
        payload.Set(std::move(t));
      } else if (routine == "embedding") {
        fb::EmbeddingT t;
        t.table = idx(ins[0]);
        t.indices = idx(ins[1]);
        t.output = out;
        payload.Set(std::move(t));
      } else if (routine == "dropout") {
        fb::DropoutT t;
        t.input = idx(ins[0]);
        t.output = out;
        t.rate = f64(attr("rate"));
        t.seed = static_cast<uint64_t>(i64(attr("seed")));
        t.training = flag(attr("training"));
        t.step = ins.size() > 1 ? static_cast<int32_t>(idx(ins[1])) : -1;
        payload.Set(std::move(t));
      } else if (routine == "softmax_cross_entropy") {
        fb::SoftmaxCrossEntropyT t;
        t.logits = idx(ins[0]);
        t.labels = idx(ins[1]);
        t.output = out;
        payload.Set(std::move(t));
      } else if (routine == "mse_loss") {
        fb::MseLossT t;
        t.prediction = idx(ins[0]);
        t.target = idx(ins[1]);
        t.output = out;
        StringRef reduction = cast<StringAttr>(attr("reduction")).getValue();
        t.reduction = reduction == "mean"  ? fb::LossReduction::Mean
                      : reduction == "sum" ? fb::LossReduction::Sum
                                           : fb::LossReduction::BatchMean;
        payload.Set(std::move(t));
      } else if (routine == "accuracy") {
        fb::AccuracyT t;
        t.logits = idx(ins[0]);
        t.labels = idx(ins[1]);
        t.output = out;
        payload.Set(std::move(t));
      } else if (routine == "copy") {
        fb::CopyT t;
        t.source = idx(ins[0]);
        t.dest = out;
        payload.Set(std::move(t));
      } else {
        return op.emitError() << "routine '" << routine << "' has no executable form";
      }
    } else {
      return op.emitError() << "has no executable form";
    }
    return fb::CreateCommand(builder, payload.type, payload.Pack(builder), locationOf(op));
  }

  ModuleOp module;
  StringRef sourcePath;
  flatbuffers::FlatBufferBuilder builder;
  std::vector<flatbuffers::Offset<fb::Buffer>> buffers;
  std::vector<flatbuffers::Offset<fb::Initializer>> initializers;
  std::vector<flatbuffers::Offset<fb::Kernel>> kernels;
  std::vector<flatbuffers::Offset<fb::Location>> locations;
  std::vector<uint8_t> constants;
  uint64_t persistentSize = 0;
  int32_t entryCount = 0;
  DenseMap<Attribute, uint32_t> params;
  DenseMap<Attribute, uint32_t> kernelIndex;
  DenseMap<Attribute, uint32_t> constantIndex;
  struct Placement {
    fb::Region region;
    int32_t entryPoint;
    uint64_t offset;
    uint64_t size; // bytes
  };
  std::vector<Placement> placements; // by buffer index
  Targets targets;
  GpuEmitter gpu;
  std::map<std::tuple<std::string, unsigned, unsigned>, int32_t> locationIndex;
};

} // namespace

FailureOr<std::vector<uint8_t>> dlc::emitExecutable(ModuleOp module, StringRef sourcePath,
                                                    Targets targets) {
  return Emitter(module, sourcePath, targets).run();
}
