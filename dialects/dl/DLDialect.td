#ifndef DL_DIALECT_TD
#define DL_DIALECT_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"

def DL_Dialect : Dialect {
  let name = "dl";
  let cppNamespace = "::dlc::dl";
  let summary = "The dlc model dialect: tensor ops, parameters, losses.";
  let description = [{
    `dl` is the text format of a dlc model. Parameters are module-level symbols
    (`dl.param`), computation is written in `func.func`s over ranked, statically
    shaped tensors, and module attributes name the optimizer and the learning-rate
    schedule. Binary elementwise ops broadcast as NumPy does.
  }];
  // Our own parseAttribute wraps the generated one to reject parameters
  // after a parameterless attribute, which MLIR would otherwise skip.
  let useDefaultAttributePrinterParser = 0;
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let hasConstantMaterializer = 1;
  let extraClassDeclaration = [{
    /// Module attribute naming the optimizer (an optimizer attribute).
    static constexpr ::llvm::StringLiteral kOptimizerAttrName = "dl.optimizer";
    /// Module attribute naming the learning-rate schedule.
    static constexpr ::llvm::StringLiteral kScheduleAttrName = "dl.lr_schedule";
    /// Module attribute naming the model's default training data:
    /// "fashion_mnist", "random" or "text".
    static constexpr ::llvm::StringLiteral kDatasetAttrName = "dl.dataset";
    /// Unit attribute the training step puts on the dl.param ops it adds
    /// for optimizer state (moments, velocities, the step counter).
    static constexpr ::llvm::StringLiteral kOptimizerStateAttrName = "dl.optimizer_state";
    /// Argument/result attribute naming an entry point's input or output.
    static constexpr ::llvm::StringLiteral kNameAttrName = "dl.name";
    /// Result attribute of a gradient function (dl-autodiff): the parameter
    /// whose gradient the result is.
    static constexpr ::llvm::StringLiteral kGradientOfAttrName = "dl.gradient_of";
    ::mlir::Attribute parseAttribute(::mlir::DialectAsmParser &parser,
                                     ::mlir::Type type) const override;
    void printAttribute(::mlir::Attribute attribute,
                        ::mlir::DialectAsmPrinter &printer) const override;

  private:
    void registerAttributes();
  public:
  }];
}

class DL_Op<string mnemonic, list<Trait> traits = []>
    : Op<DL_Dialect, mnemonic, traits>;

#endif // DL_DIALECT_TD
