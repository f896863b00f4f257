// The `exec` dialect: the executable the runtime runs, one op per FlatBuffer
// object.
#ifndef DLC_DIALECTS_EXEC_EXECDIALECT_H
#define DLC_DIALECTS_EXEC_EXECDIALECT_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/RegionKindInterface.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "dialects/exec/ExecDialect.h.inc"

#define GET_OP_CLASSES
#include "dialects/exec/ExecOps.h.inc"

namespace dlc::exec {

/// Library routines `exec.call` may name, with their operand counts; the
/// emitter maps each to the schema table of the same meaning.
struct Routine {
  llvm::StringLiteral name;
  unsigned minIns, maxIns, outs;
};
llvm::ArrayRef<Routine> routines();
const Routine *lookupRoutine(llvm::StringRef name);

} // namespace dlc::exec

#endif // DLC_DIALECTS_EXEC_EXECDIALECT_H
