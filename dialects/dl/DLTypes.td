#ifndef DL_TYPES_TD
#define DL_TYPES_TD

include "dialects/dl/DLDialect.td"
include "mlir/IR/CommonTypeConstraints.td"

//===----------------------------------------------------------------------===//
// Type constraints. Shapes are static (the batch size is part of the type)
// and every dimension is at least 1: a tensor with no elements has no use in
// a model and would make reductions and initializers divide by zero.
//===----------------------------------------------------------------------===//

def DL_NoEmptyDimensionPred
    : CPred<"!::llvm::is_contained(::llvm::cast<::mlir::ShapedType>($_self).getShape(), 0)">;

class DL_TensorOf<list<Type> allowedTypes>
    : RankedTensorOf<allowedTypes, [HasStaticShapePred, DL_NoEmptyDimensionPred],
                     "non-empty statically shaped tensor">;

def DL_Float : AnyTypeOf<[F16, BF16, F32, F64], "floating-point">;
def DL_Castable : AnyTypeOf<[F64, F32, F16, BF16, I64, I32, UI8, I1],
                            "f64, f32, f16, bf16, i64, i32, ui8 or i1">;

def DL_Tensor : DL_TensorOf<[DL_Castable]>;
def DL_FloatTensor : DL_TensorOf<[DL_Float]>;
def DL_NumericTensor : DL_TensorOf<[DL_Float, I32, I64, UI8]>;
def DL_SignedTensor : DL_TensorOf<[DL_Float, I32, I64]>;
def DL_BoolTensor : DL_TensorOf<[I1]>;
def DL_IndexTensor : DL_TensorOf<[I32, I64]>;
def DL_ScalarFloat : 0DTensorOf<[DL_Float]>;
// The training step counter, tensor<i64>.
def DL_StepCounter : Type<And<[RankedTensorOf<[I64]>.predicate,
                               CPred<"::llvm::cast<::mlir::RankedTensorType>($_self).getRank() == 0">]>,
                          "tensor<i64>", "::mlir::RankedTensorType">,
                     BuildableType<"::mlir::RankedTensorType::get({}, $_builder.getI64Type())">;

#endif // DL_TYPES_TD
