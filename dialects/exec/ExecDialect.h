// The `exec` dialect: the executable the runtime runs, one op per FlatBuffer
// object.
#ifndef DLC_DIALECTS_EXEC_EXECDIALECT_H
#define DLC_DIALECTS_EXEC_EXECDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/exec/ExecDialect.h.inc"

#define GET_OP_CLASSES
#include "dialects/exec/ExecOps.h.inc"

namespace dlc::exec {

/// What an `exec.call` attribute holds, as the emitter reads it.
enum class RoutineAttrKind { Bool, I64, F64, I64Array, String };

/// A routine's attribute: a missing optional Bool reads as false; a String
/// is one of `choices`.
struct RoutineAttr {
  llvm::StringLiteral name;
  RoutineAttrKind kind;
  bool optional = false;
  llvm::ArrayRef<llvm::StringLiteral> choices = {};
};

/// Library routines `exec.call` may name, with their operand counts and
/// attributes; the emitter maps each to the schema table of the same meaning.
struct Routine {
  llvm::StringLiteral name;
  unsigned minIns, maxIns, outs;
  llvm::ArrayRef<RoutineAttr> attributes = {};
  unsigned optionalOuts = 0; // outputs after the first `outs` that may be left out
};
llvm::ArrayRef<Routine> routines();
const Routine *lookupRoutine(llvm::StringRef name);

/// The buffer whose bytes `buffer` names: itself, or the source of its views.
mlir::Value viewRoot(mlir::Value buffer);

} // namespace dlc::exec

#endif // DLC_DIALECTS_EXEC_EXECDIALECT_H
