// The `dl` model dialect: ops, attributes and the helpers their C++ shares.
#ifndef DLC_DIALECTS_DL_DLDIALECT_H
#define DLC_DIALECTS_DL_DLDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/dl/DLDialect.h.inc"
#include "dialects/dl/DLEnums.h.inc"

namespace dlc::dl {
/// Attribute parameters: a finite number (integers accepted), printed in
/// decimal so that it reads back exactly, and true/false.
mlir::FailureOr<llvm::APFloat> parseF64Param(mlir::AsmParser &parser);
void printF64Param(mlir::AsmPrinter &printer, const llvm::APFloat &value);
mlir::FailureOr<bool> parseBoolParam(mlir::AsmParser &parser);
} // namespace dlc::dl

#include "dialects/dl/DLAttrInterfaces.h.inc"
#include "dialects/dl/DLInterfaces.h.inc"

#define GET_ATTRDEF_CLASSES
#include "dialects/dl/DLAttrs.h.inc"

#define GET_OP_CLASSES
#include "dialects/dl/DLOps.h.inc"

#endif // DLC_DIALECTS_DL_DLDIALECT_H
