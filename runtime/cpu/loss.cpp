// Losses and metrics: scalar results over a batch, summed in double.
#include "cpu_commands.h"
#include "dtype.h"
#include "vmath.h"

#include <cmath>
#include <type_traits>

namespace dlc::rt::cpu {
namespace {

// Logits [N, K], labels [N] of i32 / i64, a scalar float output.
Status lossOperands(const Context &ctx, uint32_t logitsIndex, uint32_t labelsIndex,
                    uint32_t outputIndex, Tensor *logits, Tensor *labels, Tensor *output) {
  DLC_RETURN_IF_ERROR(ctx.tensor(logitsIndex, "logits", logits));
  DLC_RETURN_IF_ERROR(ctx.tensor(labelsIndex, "labels", labels));
  DLC_RETURN_IF_ERROR(ctx.tensor(outputIndex, "output", output));
  if (logits->shape.rank != 2)
    return error(DLC_INVALID_FILE, "logits '{}' are {}, expected [batch, classes]", logits->name,
                 describe(logits->dtype, logits->shape));
  DLC_RETURN_IF_ERROR(expectShape(*labels, shapeOf({logits->shape[0]})));
  return expectElements(*output, 1);
}

// -log softmax(row)[label], stable; a float row vectorized (vmath.h's
// maximum, exp and partial sums).
template <typename T>
DLC_VECTOR_BODY double crossEntropy(const T *row, int64_t classes, int64_t label) {
  if constexpr (std::is_same_v<T, float>) {
    const float max = lineMax(row, classes);
    return double(max) - double(row[label]) + std::log(expSum(row, classes, max));
  } else {
    T max = row[0];
    for (int64_t k = 1; k < classes; ++k)
      max = std::max(max, row[k]);
    double sum = 0;
    for (int64_t k = 0; k < classes; ++k)
      sum += std::exp(double(row[k]) - double(max));
    return double(max) - double(row[label]) + std::log(sum);
  }
}

} // namespace

Status prepareSoftmaxCrossEntropy(const Context &ctx, const fb::SoftmaxCrossEntropy &op,
                                  Step *out) {
  Tensor logits, labels, output;
  DLC_RETURN_IF_ERROR(
      lossOperands(ctx, op.logits(), op.labels(), op.output(), &logits, &labels, &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(output, logits));
  if (logits.shape[1] == 0)
    return error(DLC_INVALID_FILE, "logits '{}' have no classes", logits.name);
  return withFloatType(logits, [&](auto zero) {
    using T = decltype(zero);
    return withIndexType(labels, [&](auto indexZero) {
      using I = decltype(indexZero);
      *out = [=, batch = logits.shape[0], classes = logits.shape[1], threads = ctx.threads]() {
        const I *label = labels.as<I>();
        for (int64_t n = 0; n < batch; ++n)
          if (label[n] < 0 || label[n] >= classes)
            return error(DLC_RUNTIME_ERROR, "label {} is outside [0, {})", label[n], classes);
        double total = 0;
        bool parallel = batch * classes >= kParallelMinWork;
#pragma omp parallel for num_threads(threads) reduction(+ : total) if (parallel)
        for (int64_t n = 0; n < batch; ++n)
          total += vectorized<&crossEntropy<T>>(logits.as<T>() + n * classes, classes, label[n]);
        *output.as<T>() = static_cast<T>(batch ? total / double(batch) : 0);
        return okStatus();
      };
      return okStatus();
    });
  });
}

Status prepareAccuracy(const Context &ctx, const fb::Accuracy &op, Step *out) {
  Tensor logits, labels, output;
  DLC_RETURN_IF_ERROR(
      lossOperands(ctx, op.logits(), op.labels(), op.output(), &logits, &labels, &output));
  if (logits.shape[1] == 0)
    return error(DLC_INVALID_FILE, "logits '{}' have no classes", logits.name);
  // A label outside [0, classes) is an error, as for softmax_cross_entropy.
  return withFloatType(logits, [&](auto zero) {
    using T = decltype(zero);
    return withFloatType(output, [&](auto outputZero) {
      using R = decltype(outputZero);
      return withIndexType(labels, [&](auto indexZero) {
        using I = decltype(indexZero);
        *out = [=, batch = logits.shape[0], classes = logits.shape[1]]() {
          int64_t hits = 0;
          const I *label = labels.as<I>();
          for (int64_t n = 0; n < batch; ++n) {
            if (label[n] < 0 || label[n] >= classes)
              return error(DLC_RUNTIME_ERROR, "label {} is outside [0, {})", label[n], classes);
            hits += firstMaximum(logits.as<T>() + n * classes, classes, 1) == label[n];
          }
          *output.as<R>() = static_cast<R>(batch ? double(hits) / double(batch) : 0);
          return okStatus();
        };
        return okStatus();
      });
    });
  });
}

Status prepareMseLoss(const Context &ctx, const fb::MseLoss &op, Step *out) {
  Tensor prediction, target, output;
  DLC_RETURN_IF_ERROR(ctx.tensor(op.prediction(), "prediction", &prediction));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.target(), "target", &target));
  DLC_RETURN_IF_ERROR(ctx.tensor(op.output(), "output", &output));
  DLC_RETURN_IF_ERROR(expectSameDtype(target, prediction));
  DLC_RETURN_IF_ERROR(expectShape(target, prediction.shape));
  DLC_RETURN_IF_ERROR(expectSameDtype(output, prediction));
  DLC_RETURN_IF_ERROR(expectElements(output, 1));
  int64_t count = prediction.elements();
  double divisor = op.reduction() == fb::LossReduction::Sum ? 1
                   : op.reduction() == fb::LossReduction::Mean
                       ? double(count)
                       : double(prediction.shape.rank ? prediction.shape[0] : 1);
  return withFloatType(prediction, [&](auto zero) {
    using T = decltype(zero);
    *out = [=, threads = ctx.threads]() {
      const T *p = prediction.as<T>(), *t = target.as<T>();
      double total = 0;
#pragma omp parallel for num_threads(threads) reduction(+ : total) if (count >= kParallelMinWork)
      for (int64_t i = 0; i < count; ++i)
        total += (double(p[i]) - double(t[i])) * (double(p[i]) - double(t[i]));
      *output.as<T>() = static_cast<T>(divisor > 0 ? total / divisor : 0);
      return okStatus();
    };
    return okStatus();
  });
}

} // namespace dlc::rt::cpu
