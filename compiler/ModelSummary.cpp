#include "compiler/ModelSummary.h"

#include "compiler/ModelCheck.h"
#include "dialects/dl/DLDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace dlc::dl;

namespace dlc {

/// 1234567 -> "1,234,567".
static std::string withThousands(uint64_t value) {
  std::string digits = std::to_string(value);
  std::string result;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0)
      result += ',';
    result += digits[i];
  }
  return result;
}

/// 401920 -> "401,920 bytes (392.5 KiB)".
static std::string bytesText(uint64_t bytes) {
  std::string text = withThousands(bytes) + (bytes == 1 ? " byte" : " bytes");
  const char *units[] = {"KiB", "MiB", "GiB", "TiB"};
  double scaled = static_cast<double>(bytes);
  int unit = -1;
  while (scaled >= 1024.0 && unit < 3) {
    scaled /= 1024.0;
    ++unit;
  }
  if (unit >= 0)
    text += llvm::formatv(" ({0:f1} {1})", scaled, units[unit]).str();
  return text;
}

/// An attribute or type as MLIR prints it.
template <typename T> static std::string printed(T value) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << value;
  return text;
}

/// The initializer as written; constant data is shown only when it is a
/// single repeated value, since the full data would not fit on a line.
static std::string initializerText(Attribute init) {
  if (auto data = dyn_cast<DenseElementsAttr>(init); data && !data.isSplat())
    return "dense<...>";
  if (auto data = dyn_cast<ElementsAttr>(init)) {
    std::string text = printed(init);
    return text.substr(0, text.rfind(" : "));
  }
  return printed(init);
}

namespace {
struct ParamRow {
  std::string name, type, init, elements, bytes;
  bool state;
};
struct Total {
  uint64_t tensors = 0, elements = 0, bytes = 0;
};
} // namespace

static void printParameters(ModuleOp module, llvm::raw_ostream &os) {
  std::vector<ParamRow> rows;
  Total trainable, state;
  for (ParamOp param : module.getOps<ParamOp>()) {
    RankedTensorType type = param.getTensorType();
    uint64_t elements = type.getNumElements();
    uint64_t bytes = elements * ((type.getElementTypeBitWidth() + 7) / 8);
    Total &total = param.getState() ? state : trainable;
    ++total.tensors;
    total.elements += elements;
    total.bytes += bytes;
    rows.push_back({("@" + param.getSymName()).str(), printed(type),
                    initializerText(param.getInit()), withThousands(elements), withThousands(bytes),
                    param.getState()});
  }
  if (rows.empty()) {
    os << "parameters: none\n";
    return;
  }
  ParamRow header{"name", "type", "initializer", "elements", "bytes", false};
  size_t width[5] = {0, 0, 0, 0, 0};
  for (const ParamRow &row : llvm::concat<const ParamRow>(ArrayRef(header), rows)) {
    width[0] = std::max(width[0], row.name.size());
    width[1] = std::max(width[1], row.type.size());
    width[2] = std::max(width[2], row.init.size());
    width[3] = std::max(width[3], row.elements.size());
    width[4] = std::max(width[4], row.bytes.size());
  }
  os << "parameters:\n";
  for (const ParamRow &row : llvm::concat<const ParamRow>(ArrayRef(header), rows)) {
    os << "  " << llvm::left_justify(row.name, width[0]) << "  "
       << llvm::left_justify(row.type, width[1]) << "  " << llvm::left_justify(row.init, width[2])
       << "  " << llvm::right_justify(row.elements, width[3]) << "  "
       << llvm::right_justify(row.bytes, width[4]);
    if (row.state)
      os << "  state";
    os << "\n";
  }
  auto plural = [](uint64_t n, StringRef word) {
    return withThousands(n) + " " + word.str() + (n == 1 ? "" : "s");
  };
  os << "trainable: " << plural(trainable.tensors, "tensor") << ", "
     << plural(trainable.elements, "parameter") << ", " << bytesText(trainable.bytes) << "\n";
  os << "state: " << plural(state.tensors, "tensor") << ", " << plural(state.elements, "element")
     << ", " << bytesText(state.bytes) << "\n";
}

/// The name import gave an argument or result (`dl.name`).
static StringRef nameOf(DictionaryAttr attrs) {
  auto name = attrs ? attrs.getAs<StringAttr>(DLDialect::kNameAttrName) : StringAttr();
  return name ? name.getValue() : StringRef("?");
}

/// `forward(images: tensor<128x28x28xui8>) -> (logits: tensor<128x10xf32>)`.
static void printSignature(func::FuncOp function, llvm::raw_ostream &os) {
  FunctionType type = function.getFunctionType();
  os << function.getSymName() << "(";
  llvm::interleaveComma(llvm::seq<unsigned>(type.getNumInputs()), os, [&](unsigned i) {
    os << nameOf(function.getArgAttrDict(i)) << ": " << type.getInput(i);
  });
  os << ") -> (";
  llvm::interleaveComma(llvm::seq<unsigned>(type.getNumResults()), os, [&](unsigned i) {
    os << nameOf(function.getResultAttrDict(i)) << ": " << type.getResult(i);
  });
  os << ")";
}

static void printFunctions(ModuleOp module, llvm::raw_ostream &os) {
  os << "functions:\n";
  bool hasLoss = false;
  for (func::FuncOp function : module.getOps<func::FuncOp>()) {
    if (!function.isPublic())
      continue;
    os << "  ";
    printSignature(function, os);
    os << "\n";
    if (function.getSymName() != kLossFunctionName)
      continue;
    hasLoss = true;
    os << "    minimises: " << nameOf(function.getResultAttrDict(0)) << "; metrics: ";
    unsigned numResults = function.getNumResults();
    if (numResults == 1)
      os << "none";
    for (unsigned index = 1; index < numResults; ++index)
      os << (index == 1 ? "" : ", ") << nameOf(function.getResultAttrDict(index));
    os << "\n";
  }
  if (!hasLoss)
    os << "  (no public '" << kLossFunctionName << "' function: the model cannot be trained)\n";
  else if (!module->hasAttr(DLDialect::kOptimizerAttrName))
    os << "  (no " << DLDialect::kOptimizerAttrName << ": the model cannot be trained)\n";
}

void printModelSummary(ModuleOp module, llvm::StringRef fallbackName, llvm::raw_ostream &os) {
  auto attributeText = [&](StringRef name) {
    Attribute attr = module->getAttr(name);
    return attr ? printed(attr) : std::string("none");
  };
  os << "model: " << module.getSymName().value_or(fallbackName) << "\n";
  os << "optimizer: " << attributeText(DLDialect::kOptimizerAttrName) << "\n";
  os << "lr schedule: " << attributeText(DLDialect::kScheduleAttrName) << "\n";
  os << "\n";
  printParameters(module, os);
  os << "\n";
  printFunctions(module, os);
}

} // namespace dlc
