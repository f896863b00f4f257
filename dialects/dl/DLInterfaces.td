#ifndef DL_INTERFACES_TD
#define DL_INTERFACES_TD

include "mlir/IR/OpBase.td"

def DL_DifferentiableOpInterface : OpInterface<"DifferentiableOpInterface"> {
  let cppNamespace = "::dlc::dl";
  let description = [{
    An op whose result gradients determine its operand gradients: the rule
    reverse-mode autodiff (`dl-autodiff`) applies to it. Integer and boolean
    operands (labels, indices, conditions) never get a gradient.
  }];
  let methods = [
    InterfaceMethod<[{
        Builds, at `builder`'s insertion point, the gradient of the loss with
        respect to each operand `i` for which `wanted[i]` is true, given
        `resultGrads` (one per result, of the result's type). Sets
        `operandGrads` to one value per operand: the gradient (of the
        operand's type), or null where not wanted. Fails with a diagnostic
        where no gradient can be formed (e.g. a strided slice).
      }], "::llvm::LogicalResult", "buildGradients",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::ValueRange":$resultGrads,
           "::llvm::ArrayRef<bool>":$wanted,
           "::llvm::SmallVectorImpl<::mlir::Value> &":$operandGrads)>,
  ];
}

#endif // DL_INTERFACES_TD
