#include "compiler/ModelImport.h"

#include "compiler/ModelCheck.h"
#include "compiler/ModelText.h"
#include "dialects/dl/DLDialect.h"
#include "dialects/exec/ExecDialect.h"

#include "mlir/AsmParser/AsmParserState.h"
#include "mlir/Dialect/Func/Extensions/InlinerExtension.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Parser/Parser.h"
#include "mlir/AsmParser/AsmParser.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace llvm;
using dlc::dl::DLDialect;

namespace dlc {

void registerModelDialects(DialectRegistry &registry) {
  registry.insert<dl::DLDialect, exec::ExecDialect, func::FuncDialect>();
  func::registerInlinerExtension(registry);
}

/// `%images` -> "images"; numbered values (`%0`) have no name.
static std::string sourceName(SMRange range) {
  StringRef text(range.Start.getPointer(), range.End.getPointer() - range.Start.getPointer());
  text.consume_front("%");
  if (text.empty() || llvm::all_of(text, [](char c) { return llvm::isDigit(c); }))
    return "";
  return text.str();
}

/// The name `value` was given where it was defined in the source.
static std::string sourceName(Value value, const AsmParserState &state) {
  if (auto argument = dyn_cast<BlockArgument>(value)) {
    const AsmParserState::BlockDefinition *block = state.getBlockDef(argument.getOwner());
    if (!block || argument.getArgNumber() >= block->arguments.size())
      return "";
    return sourceName(block->arguments[argument.getArgNumber()].loc);
  }
  auto result = cast<OpResult>(value);
  const AsmParserState::OperationDefinition *op = state.getOpDef(result.getOwner());
  if (!op)
    return "";
  // A group `%a:2` names several results; only a group of one gives a name.
  for (auto [index, group] : llvm::enumerate(op->resultGroups)) {
    unsigned end = index + 1 < op->resultGroups.size() ? op->resultGroups[index + 1].startIndex
                                                       : result.getOwner()->getNumResults();
    if (group.startIndex == result.getResultNumber() && end - group.startIndex == 1)
      return sourceName(group.definition.loc);
  }
  return "";
}

/// Gives every argument and result of a public function a `dl.name`: the one
/// written, else the SSA name in the source, else input<N>/output<N>.
static LogicalResult nameEntryPoint(func::FuncOp function, const AsmParserState &state) {
  Builder builder(function.getContext());
  auto nameAll = [&](unsigned count, StringRef kind, auto getAttr, auto setAttr,
                     auto sourceNameOf) -> LogicalResult {
    llvm::StringSet<> seen;
    for (unsigned index = 0; index < count; ++index) {
      std::string name;
      if (auto given = dyn_cast_or_null<StringAttr>(getAttr(index)))
        name = given.str();
      else
        name = sourceNameOf(index);
      if (name.empty())
        name = (kind == "argument" ? "input" : "output") + std::to_string(index);
      if (!seen.insert(name).second)
        return function.emitError()
               << "two " << kind << "s of '" << function.getSymName() << "' are named '" << name
               << "'; give one another name with {" << DLDialect::kNameAttrName << " = \"...\"}";
      setAttr(index, builder.getStringAttr(name));
    }
    return success();
  };
  Block *entry = function.isDeclaration() ? nullptr : &function.getBody().front();
  if (failed(nameAll(
          function.getNumArguments(), "argument",
          [&](unsigned i) { return function.getArgAttr(i, DLDialect::kNameAttrName); },
          [&](unsigned i, StringAttr name) { function.setArgAttr(i, DLDialect::kNameAttrName, name); },
          [&](unsigned i) { return entry ? sourceName(entry->getArgument(i), state) : ""; })))
    return failure();
  auto ret = entry ? dyn_cast<func::ReturnOp>(function.getBody().back().getTerminator())
                   : func::ReturnOp();
  return nameAll(
      function.getNumResults(), "result",
      [&](unsigned i) { return function.getResultAttr(i, DLDialect::kNameAttrName); },
      [&](unsigned i, StringAttr name) { function.setResultAttr(i, DLDialect::kNameAttrName, name); },
      [&](unsigned i) {
        return ret && i < ret.getNumOperands() ? sourceName(ret.getOperand(i), state) : "";
      });
}

OwningOpRef<ModuleOp> importModel(StringRef path, MLIRContext &context, SourceMgr &sourceMgr) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/true);
  if (std::error_code error = file.getError()) {
    errs() << "dlc: cannot open '" << path << "': " << error.message() << "\n";
    return nullptr;
  }
  unsigned bufferId = sourceMgr.AddNewSourceBuffer(std::move(*file), SMLoc());
  if (failed(checkModelText(sourceMgr, bufferId)))
    return nullptr;

  SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  AsmParserState state;
  Block block;
  ParserConfig config(&context, /*verifyAfterParse=*/true);
  if (failed(parseAsmSourceFile(sourceMgr, &block, config, &state)))
    return nullptr;
  auto fileLoc = FileLineColLoc::get(
      &context, sourceMgr.getMemoryBuffer(bufferId)->getBufferIdentifier(), 0, 0);
  OwningOpRef<ModuleOp> module =
      mlir::detail::constructContainerOpForParserIfNecessary<ModuleOp>(&block, &context, fileLoc);
  if (!module)
    return nullptr;
  for (auto function : module->getOps<func::FuncOp>())
    if (function.isPublic() && failed(nameEntryPoint(function, state)))
      return nullptr;
  if (failed(checkModel(*module)))
    return nullptr;
  return module;
}

} // namespace dlc
