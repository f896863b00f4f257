// The items form of the commands a GPU kernel computes row by row or element
// by element with index arithmetic (exec-outline-gpu-kernels): each an
// scf.parallel over independent items whose reductions and row loops are
// marked for the GPU mapping (see KernelBuilder.h).
#include "passes/KernelBuilder.h"
#include "passes/KernelScalars.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

#include <cmath>
#include <functional>
#include <tuple>
#include <utility>

using namespace mlir;

namespace dlc {
namespace {

/// The input at output coordinates minus `low`, or `value` outside it.
func::FuncOp padKernel(KernelFactory newKernel, exec::CallOp call, ArrayRef<int64_t> low,
                       double value) {
  SmallVector<Value> buffers = gpuKernelBuffers(call);
  func::FuncOp function = newKernel("pad");
  KernelBuilder k(function, call.getLoc());
  Type element = elementOf(buffers[0]);
  ArrayRef<int64_t> inShape = shapeOf(buffers[0]), outShape = shapeOf(buffers[1]);
  Value in = k.flat(function.getArgument(0)), out = k.flat(function.getArgument(1));
  k.items(countOf(buffers[1]), [&](Value item) {
    SmallVector<Value> coords = k.delinearize(item, outShape);
    Value inside = arith::ConstantIntOp::create(k.b, k.loc, 1, 1);
    SmallVector<Value> source;
    for (auto [coord, shift, dim] : llvm::zip(coords, low, inShape)) {
      Value shifted = arith::SubIOp::create(k.b, k.loc, coord, k.index(shift));
      inside = arith::AndIOp::create(k.b, k.loc, inside, k.inRange(shifted, dim));
      source.push_back(shifted);
    }
    Value result = k.choose(
        inside, storageType(element),
        [&] {
          return memref::LoadOp::create(k.b, k.loc, in, k.offset(source, stridesOf(inShape)))
              .getResult();
        },
        [&] { return storedValue(k.b, k.loc, emitConstant(k.b, k.loc, element, value), element); });
    memref::StoreOp::create(k.b, k.loc, result, out, ValueRange{item});
  });
  return function;
}

/// Each output element from the input whose span along `axis` holds it.
func::FuncOp concatKernel(KernelFactory newKernel, exec::CallOp call, int64_t axis) {
  SmallVector<Value> buffers = gpuKernelBuffers(call);
  func::FuncOp function = newKernel("concat");
  KernelBuilder k(function, call.getLoc());
  size_t inputs = call.getIns().size();
  Value out = k.flat(function.getArgument(inputs));
  ArrayRef<int64_t> outShape = shapeOf(buffers.back());
  Type stored = storageType(elementOf(buffers.back()));
  SmallVector<Value> views;
  for (size_t i = 0; i < inputs; ++i)
    views.push_back(k.flat(function.getArgument(i)));
  k.items(countOf(buffers.back()), [&](Value item) {
    SmallVector<Value> coords = k.delinearize(item, outShape);
    // Input i covers [start_i, start_i + size_i) along the axis.
    std::function<Value(size_t, int64_t)> from = [&](size_t i, int64_t start) -> Value {
      ArrayRef<int64_t> shape = shapeOf(buffers[i]);
      auto read = [&, i, start, shape]() -> Value {
        SmallVector<Value> local(coords);
        local[axis] = arith::SubIOp::create(k.b, k.loc, coords[axis], k.index(start));
        return memref::LoadOp::create(k.b, k.loc, views[i], k.offset(local, stridesOf(shape)));
      };
      if (i + 1 == inputs)
        return read();
      Value before = arith::CmpIOp::create(k.b, k.loc, arith::CmpIPredicate::ult, coords[axis],
                                           k.index(start + shape[axis]));
      return k.choose(before, stored, read,
                      [&, i, start, shape] { return from(i + 1, start + shape[axis]); });
    };
    memref::StoreOp::create(k.b, k.loc, from(0, 0), out, ValueRange{item});
  });
  return function;
}

/// One item per output element; the reduced elements are its row.
func::FuncOp reduceKernel(KernelFactory newKernel, exec::CallOp call, StringRef kind,
                          ArrayRef<int64_t> axes) {
  SmallVector<Value> buffers = gpuKernelBuffers(call);
  func::FuncOp function = newKernel("reduce_" + kind.str());
  KernelBuilder k(function, call.getLoc());
  Type element = elementOf(buffers[0]);
  ArrayRef<int64_t> shape = shapeOf(buffers[0]);
  SmallVector<int64_t> strides = stridesOf(shape);
  SmallVector<int64_t> keptShape, keptStrides, reducedShape, reducedStrides;
  for (auto [d, dim] : llvm::enumerate(shape)) {
    bool reduced = llvm::is_contained(axes, static_cast<int64_t>(d));
    (reduced ? reducedShape : keptShape).push_back(dim);
    (reduced ? reducedStrides : keptStrides).push_back(strides[d]);
  }
  int64_t rowLength = 1;
  for (int64_t dim : reducedShape)
    rowLength *= dim;
  Value in = k.flat(function.getArgument(0)), out = k.flat(function.getArgument(1));
  k.items(countOf(buffers[1]), [&](Value item) {
    Value base = k.offset(k.delinearize(item, keptShape), keptStrides);
    auto term = [&](Value j) {
      return k.load(in, k.add(base, k.offset(k.delinearize(j, reducedShape), reducedStrides)),
                    element);
    };
    bool isMax = kind == "max";
    bool isFloat = isa<FloatType>(element);
    Value identity = isMax     ? maxIdentity(k, element)
                     : isFloat ? k.floatConst(element, 0.0)
                               : emitConstant(k.b, k.loc, element, 0);
    Value total = k.combineLoop(rowLength, isMax ? maxCombiner(element) : "add", identity, term);
    if (kind == "mean") {
      Value count = isFloat ? k.floatConst(element, static_cast<double>(rowLength))
                            : emitConstant(k.b, k.loc, element, static_cast<double>(rowLength));
      total = isa<FloatType>(element) ? Value(arith::DivFOp::create(k.b, k.loc, total, count))
                                      : Value(arith::DivSIOp::create(k.b, k.loc, total, count));
    }
    k.store(total, out, item, element);
  });
  return function;
}

/// A line along `axis`: `outer * inner` lines of `size` elements `inner`
/// apart.
struct Lines {
  int64_t outer = 1, size = 1, inner = 1;
  Value start(KernelBuilder &k, Value line) const {
    return k.add(k.mul(k.div(line, inner), k.index(size * inner)), k.rem(line, inner));
  }
  Value at(KernelBuilder &k, Value start, Value i) const {
    return k.add(start, k.mul(i, k.index(inner)));
  }
};
Lines linesOf(ArrayRef<int64_t> shape, int64_t axis) {
  Lines lines;
  for (auto [d, dim] : llvm::enumerate(shape)) {
    if (static_cast<int64_t>(d) < axis)
      lines.outer *= dim;
    else if (static_cast<int64_t>(d) == axis)
      lines.size = dim;
    else
      lines.inner *= dim;
  }
  return lines;
}

/// Index of the first maximum of `size` values from `start`, `inner`
/// apart; a NaN counts as the maximum (the first NaN wins), as in NumPy.
Value firstMax(KernelBuilder &k, Value view, const Lines &lines, Value start, Type element) {
  Value first = k.load(view, start, element);
  ValueRange best = k.sequentialLoop(
      k.index(1), lines.size, ValueRange{k.index(0), first},
      [&](Value i, ValueRange carried) -> SmallVector<Value> {
        Value value = k.load(view, lines.at(k, start, i), element);
        Value top = carried[1];
        Value better;
        if (isa<FloatType>(element)) {
          Value topIsNan = arith::CmpFOp::create(k.b, k.loc, arith::CmpFPredicate::UNO, top, top);
          Value wins = arith::CmpFOp::create(k.b, k.loc, arith::CmpFPredicate::UGT, value, top);
          better = arith::AndIOp::create(
              k.b, k.loc, wins,
              arith::XOrIOp::create(k.b, k.loc, topIsNan,
                                    arith::ConstantIntOp::create(k.b, k.loc, 1, 1)));
        } else {
          better = arith::CmpIOp::create(k.b, k.loc,
                                         element.isUnsignedInteger() ? arith::CmpIPredicate::ugt
                                                                     : arith::CmpIPredicate::sgt,
                                         value, top);
        }
        return {arith::SelectOp::create(k.b, k.loc, better, i, carried[0]),
                arith::SelectOp::create(k.b, k.loc, better, value, top)};
      });
  return best[0];
}

func::FuncOp argmaxKernel(KernelFactory newKernel, exec::CallOp call, int64_t axis) {
  SmallVector<Value> buffers = gpuKernelBuffers(call);
  func::FuncOp function = newKernel("argmax");
  KernelBuilder k(function, call.getLoc());
  Type element = elementOf(buffers[0]), indexType = elementOf(buffers[1]);
  Lines lines = linesOf(shapeOf(buffers[0]), axis);
  Value in = k.flat(function.getArgument(0)), out = k.flat(function.getArgument(1));
  k.items(lines.outer * lines.inner, [&](Value line) {
    Value best = firstMax(k, in, lines, lines.start(k, line), element);
    memref::StoreOp::create(k.b, k.loc, arith::IndexCastOp::create(k.b, k.loc, indexType, best),
                            out, ValueRange{line});
  });
  return function;
}

/// softmax: exp(x - max) / sum; log-softmax: (x - max) - log(sum), with
/// sum = sum(exp(x - max)) over the line.
func::FuncOp softmaxKernel(KernelFactory newKernel, exec::CallOp call, int64_t axis, bool log) {
  SmallVector<Value> buffers = gpuKernelBuffers(call);
  func::FuncOp function = newKernel(log ? "log_softmax" : "softmax");
  KernelBuilder k(function, call.getLoc());
  Type element = elementOf(buffers[0]);
  Lines lines = linesOf(shapeOf(buffers[0]), axis);
  Value in = k.flat(function.getArgument(0)), out = k.flat(function.getArgument(1));
  k.items(lines.outer * lines.inner, [&](Value line) {
    Value start = lines.start(k, line);
    auto x = [&](Value i) { return k.load(in, lines.at(k, start, i), element); };
    Value max = k.combineLoop(lines.size, "maximumf", maxIdentity(k, element), x);
    auto shifted = [&](Value i) { return arith::SubFOp::create(k.b, k.loc, x(i), max); };
    Value sum = k.combineLoop(lines.size, "add", k.floatConst(element, 0.0),
                              [&](Value i) { return math::ExpOp::create(k.b, k.loc, shifted(i)); });
    Value logSum = log ? Value(math::LogOp::create(k.b, k.loc, sum)) : Value();
    k.rowLoop(lines.size, [&](Value i) {
      Value y = log ? Value(arith::SubFOp::create(k.b, k.loc, shifted(i), logSum))
                    : Value(arith::DivFOp::create(
                          k.b, k.loc, math::ExpOp::create(k.b, k.loc, shifted(i)), sum));
      k.store(y, out, lines.at(k, start, i), element);
    });
  });
  return function;
}

/// softmax's gradient from its output y and the output's gradient g:
/// y * (g - sum(g * y)); log-softmax's: g - exp(y) * sum(g), the sums over
/// the line.
func::FuncOp softmaxBackwardKernel(KernelFactory newKernel, exec::CallOp call, int64_t axis,
                                   bool log) {
  SmallVector<Value> buffers = gpuKernelBuffers(call);
  func::FuncOp function = newKernel(log ? "log_softmax_backward" : "softmax_backward");
  KernelBuilder k(function, call.getLoc());
  Type element = elementOf(buffers[0]);
  Lines lines = linesOf(shapeOf(buffers[0]), axis);
  Value y = k.flat(function.getArgument(0)), g = k.flat(function.getArgument(1));
  Value out = k.flat(function.getArgument(2));
  k.items(lines.outer * lines.inner, [&](Value line) {
    Value start = lines.start(k, line);
    auto at = [&](Value buffer, Value i) { return k.load(buffer, lines.at(k, start, i), element); };
    Value sum = k.combineLoop(lines.size, "add", k.floatConst(element, 0.0), [&](Value i) -> Value {
      return log ? at(g, i) : arith::MulFOp::create(k.b, k.loc, at(g, i), at(y, i));
    });
    k.rowLoop(lines.size, [&](Value i) {
      Value gi = at(g, i), yi = at(y, i);
      Value dx =
          log ? Value(arith::SubFOp::create(
                    k.b, k.loc, gi,
                    arith::MulFOp::create(k.b, k.loc, math::ExpOp::create(k.b, k.loc, yi), sum)))
              : Value(arith::MulFOp::create(k.b, k.loc, yi,
                                            arith::SubFOp::create(k.b, k.loc, gi, sum)));
      k.store(dx, out, lines.at(k, start, i), element);
    });
  });
  return function;
}

/// A layer norm row's mean and 1 / sqrt(var + epsilon), the variance
/// biased, in two passes (mean first); x(i) loads element i of the row.
std::pair<Value, Value> rowStatistics(KernelBuilder &k, Type element, int64_t width, double epsilon,
                                      function_ref<Value(Value)> x) {
  Value count = k.floatConst(element, static_cast<double>(width));
  Value zero = k.floatConst(element, 0.0);
  Value mean = arith::DivFOp::create(k.b, k.loc, k.combineLoop(width, "add", zero, x), count);
  Value squares = k.combineLoop(width, "add", zero, [&](Value i) {
    Value c = arith::SubFOp::create(k.b, k.loc, x(i), mean);
    return arith::MulFOp::create(k.b, k.loc, c, c);
  });
  Value variance = arith::DivFOp::create(k.b, k.loc, squares, count);
  Value inverse = arith::DivFOp::create(
      k.b, k.loc, k.floatConst(element, 1.0),
      math::SqrtOp::create(
          k.b, k.loc, arith::AddFOp::create(k.b, k.loc, variance, k.floatConst(element, epsilon))));
  return {mean, inverse};
}

/// (x - mean) / sqrt(var + epsilon) * scale + offset over dims axis..
func::FuncOp layerNormKernel(KernelFactory newKernel, exec::CallOp call, int64_t axis,
                             double epsilon) {
  SmallVector<Value> buffers = gpuKernelBuffers(call);
  func::FuncOp function = newKernel("layer_norm");
  KernelBuilder k(function, call.getLoc());
  Type element = elementOf(buffers[0]);
  int64_t width = 1;
  for (int64_t dim : shapeOf(buffers[0]).drop_front(axis))
    width *= dim;
  Value in = k.flat(function.getArgument(0)), scale = k.flat(function.getArgument(1)),
        offset = k.flat(function.getArgument(2)), out = k.flat(function.getArgument(3));
  k.items(countOf(buffers[0]) / std::max<int64_t>(width, 1), [&](Value row) {
    Value start = k.mul(row, k.index(width));
    auto x = [&](Value i) { return k.load(in, k.add(start, i), element); };
    Value mean, inverse;
    std::tie(mean, inverse) = rowStatistics(k, element, width, epsilon, x);
    auto centered = [&](Value i) { return arith::SubFOp::create(k.b, k.loc, x(i), mean); };
    k.rowLoop(width, [&](Value i) {
      Value y = arith::MulFOp::create(k.b, k.loc, centered(i), inverse);
      y = arith::MulFOp::create(k.b, k.loc, y, k.load(scale, i, element));
      y = arith::AddFOp::create(k.b, k.loc, y, k.load(offset, i, element));
      k.store(y, out, k.add(start, i), element);
    });
  });
  return function;
}

/// layer_norm's gradient, one item per row: with the row's mean, rstd and
/// xhat = (x - mean) * rstd as the forward computes them and h = dy * scale,
/// dx = rstd * (h - mean(h) - xhat * mean(h * xhat)), and xhat itself.
func::FuncOp layerNormBackwardKernel(KernelFactory newKernel, exec::CallOp call, int64_t axis,
                                     double epsilon) {
  SmallVector<Value> buffers = gpuKernelBuffers(call);
  func::FuncOp function = newKernel("layer_norm_backward");
  KernelBuilder k(function, call.getLoc());
  Type element = elementOf(buffers[0]);
  int64_t width = 1;
  for (int64_t dim : shapeOf(buffers[0]).drop_front(axis))
    width *= dim;
  Value in = k.flat(function.getArgument(0)), grad = k.flat(function.getArgument(1)),
        scale = k.flat(function.getArgument(2)), dx = k.flat(function.getArgument(3)),
        xhatOut = k.flat(function.getArgument(4));
  auto f = [&](auto op, Value a, Value b) { return decltype(op)::create(k.b, k.loc, a, b); };
  k.items(countOf(buffers[0]) / std::max<int64_t>(width, 1), [&](Value row) {
    Value start = k.mul(row, k.index(width));
    auto x = [&](Value i) { return k.load(in, k.add(start, i), element); };
    Value mean, rstd;
    std::tie(mean, rstd) = rowStatistics(k, element, width, epsilon, x);
    Value count = k.floatConst(element, static_cast<double>(width));
    Value zero = k.floatConst(element, 0.0);
    auto centered = [&](Value i) { return f(arith::SubFOp(), x(i), mean); };
    auto xhat = [&](Value i) { return f(arith::MulFOp(), centered(i), rstd); };
    auto h = [&](Value i) {
      return f(arith::MulFOp(), k.load(grad, k.add(start, i), element), k.load(scale, i, element));
    };
    Value meanH = f(arith::DivFOp(), k.combineLoop(width, "add", zero, h), count);
    Value meanHX = f(arith::DivFOp(),
                     k.combineLoop(width, "add", zero,
                                   [&](Value i) { return f(arith::MulFOp(), h(i), xhat(i)); }),
                     count);
    k.rowLoop(width, [&](Value i) {
      Value n = xhat(i);
      Value d = f(arith::SubFOp(), f(arith::SubFOp(), h(i), meanH), f(arith::MulFOp(), n, meanHX));
      k.store(f(arith::MulFOp(), rstd, d), dx, k.add(start, i), element);
      k.store(n, xhatOut, k.add(start, i), element);
    });
  });
  return function;
}

/// output[r, c] = table[indices[r], c]; an index outside the table gives
/// NaN (the GPU cannot stop with an error as the CPU does).
func::FuncOp embeddingKernel(KernelFactory newKernel, exec::CallOp call) {
  SmallVector<Value> buffers = gpuKernelBuffers(call);
  func::FuncOp function = newKernel("embedding");
  KernelBuilder k(function, call.getLoc());
  Type element = elementOf(buffers[0]);
  int64_t rows = shapeOf(buffers[0]).front();
  int64_t width = countOf(buffers[0]) / std::max<int64_t>(rows, 1);
  Value table = k.flat(function.getArgument(0)), indices = k.flat(function.getArgument(1)),
        out = k.flat(function.getArgument(2));
  k.items(countOf(buffers[2]), [&](Value item) {
    Value id = memref::LoadOp::create(k.b, k.loc, indices, ValueRange{k.div(item, width)});
    Value value = k.choose(
        k.inRange(id, rows), storageType(element),
        [&] {
          Value at = k.add(k.mul(k.toIndex(id), k.index(width)), k.rem(item, width));
          return memref::LoadOp::create(k.b, k.loc, table, ValueRange{at}).getResult();
        },
        [&] {
          return emitConstant(k.b, k.loc, element, isa<FloatType>(element) ? std::nan("") : 0.0);
        });
    memref::StoreOp::create(k.b, k.loc, value, out, ValueRange{item});
  });
  return function;
}

/// Philox4x32-10 of `counter` (four i32 values) and `key` (two), as the
/// runtime's dropout defines the mask.
SmallVector<Value> philox(KernelBuilder &k, SmallVector<Value> c, SmallVector<Value> key) {
  auto i32 = [&](uint32_t v) {
    return arith::ConstantOp::create(k.b, k.loc, k.b.getI32IntegerAttr(static_cast<int32_t>(v)));
  };
  for (int round = 0; round < 10; ++round) {
    auto p0 = arith::MulUIExtendedOp::create(k.b, k.loc, i32(0xD2511F53u), c[0]);
    auto p1 = arith::MulUIExtendedOp::create(k.b, k.loc, i32(0xCD9E8D57u), c[2]);
    Value n0 = arith::XOrIOp::create(k.b, k.loc,
                                     arith::XOrIOp::create(k.b, k.loc, p1.getHigh(), c[1]), key[0]);
    Value n2 = arith::XOrIOp::create(k.b, k.loc,
                                     arith::XOrIOp::create(k.b, k.loc, p0.getHigh(), c[3]), key[1]);
    c = {n0, p1.getLow(), n2, p0.getLow()};
    if (round < 9) {
      key[0] = arith::AddIOp::create(k.b, k.loc, key[0], i32(0x9E3779B9u));
      key[1] = arith::AddIOp::create(k.b, k.loc, key[1], i32(0xBB67AE85u));
    }
  }
  return c;
}

/// Training-form dropout: one item per group of four elements (one
/// Philox block); inference form is a copy.
func::FuncOp dropoutKernel(KernelFactory newKernel, exec::CallOp call) {
  SmallVector<Value> buffers = gpuKernelBuffers(call);
  bool hasStep = call.getIns().size() > 1;
  func::FuncOp function = newKernel("dropout");
  KernelBuilder k(function, call.getLoc());
  Type element = elementOf(buffers[0]);
  double rate = cast<FloatAttr>(call->getAttr("rate")).getValueAsDouble();
  auto seed = static_cast<uint64_t>(cast<IntegerAttr>(call->getAttr("seed")).getInt());
  bool training = cast<BoolAttr>(call->getAttr("training")).getValue();
  int64_t n = countOf(buffers[0]);
  Value in = k.flat(function.getArgument(0));
  Value out = k.flat(function.getArgument(hasStep ? 2 : 1));
  auto i32 = [&](uint32_t v) {
    return arith::ConstantOp::create(k.b, k.loc, k.b.getI32IntegerAttr(static_cast<int32_t>(v)));
  };
  if (!training) {
    k.items(n, [&](Value i) { k.store(k.load(in, i, element), out, i, element); });
    return function;
  }
  Value step =
      hasStep ? Value(memref::LoadOp::create(k.b, k.loc, function.getArgument(1), ValueRange{}))
              : Value(arith::ConstantIntOp::create(k.b, k.loc, 0, 64));
  auto low = [&](Value v64) {
    return arith::TruncIOp::create(k.b, k.loc, k.b.getI32Type(), v64).getResult();
  };
  auto high = [&](Value v64) {
    return low(
        arith::ShRUIOp::create(k.b, k.loc, v64, arith::ConstantIntOp::create(k.b, k.loc, 32, 64)));
  };
  Value stepLow = low(step), stepHigh = high(step);
  double keep = rate < 1 ? 1 / (1 - rate) : 0.0;
  k.items((n + 3) / 4, [&](Value group) {
    Value group64 = arith::IndexCastUIOp::create(k.b, k.loc, k.b.getI64Type(), group);
    SmallVector<Value> words =
        philox(k, {low(group64), high(group64), stepLow, stepHigh},
               {i32(static_cast<uint32_t>(seed)), i32(static_cast<uint32_t>(seed >> 32))});
    for (int j = 0; j < 4; ++j) {
      Value i = k.add(k.mul(group, k.index(4)), k.index(j));
      Value inside = arith::CmpIOp::create(k.b, k.loc, arith::CmpIPredicate::ult, i, k.index(n));
      auto branch = scf::IfOp::create(k.b, k.loc, inside, /*withElse=*/false);
      OpBuilder::InsertionGuard guard(k.b);
      k.b.setInsertionPointToStart(&branch.getThenRegion().front());
      // u = (word >> 8) * 2^-24, exact in f64; dropped when u < rate.
      Value bits = arith::ShRUIOp::create(k.b, k.loc, words[j], i32(8));
      Value u = arith::MulFOp::create(k.b, k.loc,
                                      arith::UIToFPOp::create(k.b, k.loc, k.b.getF64Type(), bits),
                                      k.floatConst(k.b.getF64Type(), std::ldexp(1.0, -24)));
      Value dropped = arith::CmpFOp::create(k.b, k.loc, arith::CmpFPredicate::OLT, u,
                                            k.floatConst(k.b.getF64Type(), rate));
      Value kept =
          arith::MulFOp::create(k.b, k.loc, k.load(in, i, element), k.floatConst(element, keep));
      k.store(arith::SelectOp::create(k.b, k.loc, dropped, k.floatConst(element, 0.0), kept), out,
              i, element);
    }
  });
  return function;
}

/// Whether label `id` (an integer) is a class of `classes`, as i1.
Value labelValid(KernelBuilder &k, Value id, int64_t classes) { return k.inRange(id, classes); }

/// Mean over rows of -log softmax(row)[label], one item whose rows the
/// block's threads share; a label outside [0, classes) makes it NaN.
func::FuncOp crossEntropyKernel(KernelFactory newKernel, exec::CallOp call) {
  SmallVector<Value> buffers = gpuKernelBuffers(call);
  func::FuncOp function = newKernel("softmax_cross_entropy");
  KernelBuilder k(function, call.getLoc());
  Type element = elementOf(buffers[0]);
  int64_t batch = shapeOf(buffers[0])[0], classes = shapeOf(buffers[0])[1];
  Value logits = k.flat(function.getArgument(0)), labels = k.flat(function.getArgument(1)),
        out = k.flat(function.getArgument(2));
  Value zero = k.floatConst(element, 0.0);
  k.items(1, [&](Value) {
    Value total = k.combineLoop(batch, "add", zero, [&](Value n) {
      Value start = k.mul(n, k.index(classes));
      auto x = [&](Value i) { return k.load(logits, k.add(start, i), element); };
      Value max = k.sequentialLoop(k.index(0), classes, ValueRange{maxIdentity(k, element)},
                                   [&](Value i, ValueRange acc) -> SmallVector<Value> {
                                     return {arith::MaximumFOp::create(k.b, k.loc, acc[0], x(i))};
                                   })[0];
      Value sum = k.sequentialLoop(k.index(0), classes, ValueRange{zero},
                                   [&](Value i, ValueRange acc) -> SmallVector<Value> {
                                     Value e = math::ExpOp::create(
                                         k.b, k.loc, arith::SubFOp::create(k.b, k.loc, x(i), max));
                                     return {arith::AddFOp::create(k.b, k.loc, acc[0], e)};
                                   })[0];
      Value id = memref::LoadOp::create(k.b, k.loc, labels, ValueRange{n});
      return k.choose(
          labelValid(k, id, classes), k.computeType(element),
          [&] {
            Value picked = x(k.toIndex(id));
            return arith::AddFOp::create(k.b, k.loc, arith::SubFOp::create(k.b, k.loc, max, picked),
                                         math::LogOp::create(k.b, k.loc, sum))
                .getResult();
          },
          [&] { return k.floatConst(element, std::nan("")); });
    });
    Value mean =
        arith::DivFOp::create(k.b, k.loc, total, k.floatConst(element, static_cast<double>(batch)));
    k.store(batch ? mean : zero, out, k.index(0), element);
  });
  return function;
}

/// Fraction of rows whose first maximum is at the label; NaN if a label
/// is outside [0, classes).
func::FuncOp accuracyKernel(KernelFactory newKernel, exec::CallOp call) {
  SmallVector<Value> buffers = gpuKernelBuffers(call);
  func::FuncOp function = newKernel("accuracy");
  KernelBuilder k(function, call.getLoc());
  Type element = elementOf(buffers[0]), result = elementOf(buffers[2]);
  int64_t batch = shapeOf(buffers[0])[0], classes = shapeOf(buffers[0])[1];
  Value logits = k.flat(function.getArgument(0)), labels = k.flat(function.getArgument(1)),
        out = k.flat(function.getArgument(2));
  Lines row{batch, classes, 1};
  k.items(1, [&](Value) {
    Value hits = k.combineLoop(batch, "add", k.floatConst(result, 0.0), [&](Value n) {
      Value best = firstMax(k, logits, row, k.mul(n, k.index(classes)), element);
      Value id = memref::LoadOp::create(k.b, k.loc, labels, ValueRange{n});
      Value hit = arith::CmpIOp::create(k.b, k.loc, arith::CmpIPredicate::eq, k.toIndex(id), best);
      Value one = arith::SelectOp::create(k.b, k.loc, hit, k.floatConst(result, 1.0),
                                          k.floatConst(result, 0.0));
      return arith::SelectOp::create(k.b, k.loc, labelValid(k, id, classes), one,
                                     k.floatConst(result, std::nan("")))
          .getResult();
    });
    Value fraction = arith::DivFOp::create(
        k.b, k.loc, hits, k.floatConst(result, static_cast<double>(std::max<int64_t>(batch, 1))));
    k.store(fraction, out, k.index(0), result);
  });
  return function;
}

/// sum((p - t)^2) / divisor: the element count (mean), 1 (sum) or the
/// batch (batch_mean).
func::FuncOp mseKernel(KernelFactory newKernel, exec::CallOp call, StringRef reduction) {
  SmallVector<Value> buffers = gpuKernelBuffers(call);
  func::FuncOp function = newKernel("mse_loss");
  KernelBuilder k(function, call.getLoc());
  Type element = elementOf(buffers[0]);
  ArrayRef<int64_t> shape = shapeOf(buffers[0]);
  int64_t count = countOf(buffers[0]);
  double divisor = reduction == "sum"    ? 1.0
                   : reduction == "mean" ? static_cast<double>(count)
                                         : static_cast<double>(shape.empty() ? 1 : shape[0]);
  Value p = k.flat(function.getArgument(0)), t = k.flat(function.getArgument(1)),
        out = k.flat(function.getArgument(2));
  k.items(1, [&](Value) {
    Value total = k.combineLoop(count, "add", k.floatConst(element, 0.0), [&](Value i) {
      Value d = arith::SubFOp::create(k.b, k.loc, k.load(p, i, element), k.load(t, i, element));
      return arith::MulFOp::create(k.b, k.loc, d, d);
    });
    Value result =
        divisor > 0
            ? Value(arith::DivFOp::create(k.b, k.loc, total, k.floatConst(element, divisor)))
            : k.floatConst(element, 0.0);
    k.store(result, out, k.index(0), element);
  });
  return function;
}

} // namespace

FailureOr<func::FuncOp> buildItemKernel(exec::CallOp call, KernelFactory newKernel) {
  StringRef routine = call.getCallee();
  auto ints = [&](StringRef name) {
    return cast<DenseI64ArrayAttr>(call->getAttr(name)).asArrayRef();
  };
  auto i64 = [&](StringRef name) { return cast<IntegerAttr>(call->getAttr(name)).getInt(); };
  auto f64 = [&](StringRef name) {
    return cast<FloatAttr>(call->getAttr(name)).getValueAsDouble();
  };
  auto text = [&](StringRef name) { return cast<StringAttr>(call->getAttr(name)).getValue(); };
  if (routine == "pad")
    return padKernel(newKernel, call, ints("low"), f64("value"));
  if (routine == "concat")
    return concatKernel(newKernel, call, i64("axis"));
  if (routine == "reduce")
    return reduceKernel(newKernel, call, text("kind"), ints("axes"));
  if (routine == "argmax")
    return argmaxKernel(newKernel, call, i64("axis"));
  if (routine == "softmax")
    return softmaxKernel(newKernel, call, i64("axis"),
                         cast<BoolAttr>(call->getAttr("log")).getValue());
  if (routine == "softmax_backward")
    return softmaxBackwardKernel(newKernel, call, i64("axis"),
                                 cast<BoolAttr>(call->getAttr("log")).getValue());
  if (routine == "layer_norm")
    return layerNormKernel(newKernel, call, i64("axis"), f64("epsilon"));
  if (routine == "layer_norm_backward")
    return layerNormBackwardKernel(newKernel, call, i64("axis"), f64("epsilon"));
  if (routine == "embedding")
    return embeddingKernel(newKernel, call);
  if (routine == "dropout")
    return dropoutKernel(newKernel, call);
  if (routine == "softmax_cross_entropy")
    return crossEntropyKernel(newKernel, call);
  if (routine == "accuracy")
    return accuracyKernel(newKernel, call);
  if (routine == "mse_loss")
    return mseKernel(newKernel, call, text("reduction"));
  return call.emitOpError() << "routine '" << routine << "' has no GPU form";
}

} // namespace dlc
