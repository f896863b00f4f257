// A stand-in for cuDNN 9 (libcudnn.so.9) that computes on the CPU, beside
// the fake driver (fake_libcuda.cpp), for tests of the CUDA backend's
// convolutions, pooling and batch norm without a GPU. It follows the
// documented semantics of cuDNN's descriptor API, written independently of
// the backend: 4-D tensors of logical dims N, C, H, W at any strides;
// filters K, C/groups, R, S (NCHW format); cross-correlation with
// symmetric padding, strides, dilation and groups; pooling windows starting
// at out * stride - pad, max taking NaN, averages counting or not the
// padding; batch norm per channel (SPATIAL), running averages with the
// unbiased variance; every result blended as alpha * result + beta * old.
// f32 and f64 only. Heuristics rank a tensor-core algorithm first, to check
// that the backend keeps full f32 when asked.
#include <cuda.h>
#include <cudnn.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <vector>

extern "C" void fakeCudaEnqueue(CUstream stream, std::function<void()> *work);

namespace {

constexpr size_t kWorkspace = 1024; // what every algorithm asks for

struct Handle {
  CUstream stream = nullptr;
};

struct TensorDesc {
  cudnnDataType_t type = CUDNN_DATA_FLOAT;
  int dims[4] = {1, 1, 1, 1}, strides[4] = {1, 1, 1, 1};
  size_t at(int n, int c, int h, int w) const {
    return size_t(n) * strides[0] + size_t(c) * strides[1] + size_t(h) * strides[2] +
           size_t(w) * strides[3];
  }
};

struct FilterDesc {
  cudnnDataType_t type = CUDNN_DATA_FLOAT;
  int k = 0, c = 0, r = 0, s = 0;
  size_t at(int ki, int ci, int ri, int si) const {
    return ((size_t(ki) * c + ci) * r + ri) * s + si;
  }
};

struct ConvDesc {
  int pad[2] = {0, 0}, stride[2] = {1, 1}, dilation[2] = {1, 1};
  int groups = 1;
  cudnnMathType_t math = CUDNN_DEFAULT_MATH;
};

struct PoolDesc {
  cudnnPoolingMode_t mode = CUDNN_POOLING_MAX;
  int window[2] = {1, 1}, pad[2] = {0, 0}, stride[2] = {1, 1};
};

struct ActivationDesc {
  cudnnActivationMode_t mode = CUDNN_ACTIVATION_RELU;
};

/// alpha and beta as doubles (cuDNN passes double for f64 data).
double scalar(const void *p, cudnnDataType_t type) {
  return type == CUDNN_DATA_DOUBLE ? *static_cast<const double *>(p)
                                   : *static_cast<const float *>(p);
}

double load(const void *data, cudnnDataType_t type, size_t i) {
  return type == CUDNN_DATA_DOUBLE ? static_cast<const double *>(data)[i]
                                   : static_cast<const float *>(data)[i];
}

/// out[i] = alpha * value + beta * out[i] (beta 0 never reads out).
void blend(void *data, cudnnDataType_t type, size_t i, double value, double alpha, double beta) {
  double old = beta != 0 ? load(data, type, i) : 0;
  double v = alpha * value + (beta != 0 ? beta * old : 0);
  if (type == CUDNN_DATA_DOUBLE)
    static_cast<double *>(data)[i] = v;
  else
    static_cast<float *>(data)[i] = static_cast<float>(v);
}

bool supported(cudnnDataType_t type) {
  return type == CUDNN_DATA_FLOAT || type == CUDNN_DATA_DOUBLE;
}

cudnnStatus_t run(cudnnHandle_t handle, std::function<void()> work) {
  fakeCudaEnqueue(reinterpret_cast<Handle *>(handle)->stream, &work);
  return CUDNN_STATUS_SUCCESS;
}

int outputDim(int in, int pad, int window, int stride, int dilation) {
  return 1 + (in + 2 * pad - ((window - 1) * dilation + 1)) / stride;
}

/// Calls f(n, k, oh, ow, c, ih, iw, r, s) for every product term of a
/// convolution whose input position is inside the image.
template <typename F>
void convolutionTerms(const TensorDesc &x, const FilterDesc &w, const ConvDesc &conv,
                      const TensorDesc &y, F f) {
  const int groups = conv.groups, kPerGroup = w.k / groups;
  for (int n = 0; n < y.dims[0]; ++n)
    for (int k = 0; k < w.k; ++k)
      for (int oh = 0; oh < y.dims[2]; ++oh)
        for (int ow = 0; ow < y.dims[3]; ++ow)
          for (int c = 0; c < w.c; ++c)
            for (int r = 0; r < w.r; ++r)
              for (int s = 0; s < w.s; ++s) {
                int ih = oh * conv.stride[0] - conv.pad[0] + r * conv.dilation[0];
                int iw = ow * conv.stride[1] - conv.pad[1] + s * conv.dilation[1];
                if (ih < 0 || iw < 0 || ih >= x.dims[2] || iw >= x.dims[3])
                  continue;
                f(n, k, oh, ow, (k / kPerGroup) * w.c + c, ih, iw, r, s, c);
              }
}

template <typename Perf> void rank(Perf *results, int requested, int *count) {
  // A tensor-core algorithm first, then one in FMA math.
  *count = 0;
  for (cudnnMathType_t math : {CUDNN_TENSOR_OP_MATH, CUDNN_FMA_MATH}) {
    if (*count >= requested)
      break;
    Perf &p = results[(*count)++];
    std::memset(&p, 0, sizeof p);
    p.status = CUDNN_STATUS_SUCCESS;
    p.memory = kWorkspace;
    p.mathType = math;
    p.time = 1;
  }
}

/// The window of pooling output (oh, ow): its first row and column.
void windowStart(const PoolDesc &p, int oh, int ow, int *h0, int *w0) {
  *h0 = oh * p.stride[0] - p.pad[0];
  *w0 = ow * p.stride[1] - p.pad[1];
}

} // namespace

extern "C" {

size_t cudnnGetVersion(void) { return 91900; }
size_t cudnnGetCudartVersion(void) { return 13000; }
const char *cudnnGetErrorString(cudnnStatus_t status) {
  return status == CUDNN_STATUS_NOT_SUPPORTED ? "CUDNN_STATUS_NOT_SUPPORTED (fake)"
                                              : "fake cuDNN error";
}

cudnnStatus_t cudnnCreate(cudnnHandle_t *handle) {
  *handle = reinterpret_cast<cudnnHandle_t>(new Handle());
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnDestroy(cudnnHandle_t handle) {
  delete reinterpret_cast<Handle *>(handle);
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnSetStream(cudnnHandle_t handle, cudaStream_t stream) {
  reinterpret_cast<Handle *>(handle)->stream = reinterpret_cast<CUstream>(stream);
  return CUDNN_STATUS_SUCCESS;
}

#define DLC_FAKE_DESCRIPTOR(Create, Destroy, Handle, Type)                                         \
  cudnnStatus_t Create(Handle *desc) {                                                             \
    *desc = reinterpret_cast<Handle>(new Type());                                                  \
    return CUDNN_STATUS_SUCCESS;                                                                   \
  }                                                                                                \
  cudnnStatus_t Destroy(Handle desc) {                                                             \
    delete reinterpret_cast<Type *>(desc);                                                         \
    return CUDNN_STATUS_SUCCESS;                                                                   \
  }
DLC_FAKE_DESCRIPTOR(cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor,
                    cudnnTensorDescriptor_t, TensorDesc)
DLC_FAKE_DESCRIPTOR(cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor,
                    cudnnFilterDescriptor_t, FilterDesc)
DLC_FAKE_DESCRIPTOR(cudnnCreateConvolutionDescriptor, cudnnDestroyConvolutionDescriptor,
                    cudnnConvolutionDescriptor_t, ConvDesc)
DLC_FAKE_DESCRIPTOR(cudnnCreatePoolingDescriptor, cudnnDestroyPoolingDescriptor,
                    cudnnPoolingDescriptor_t, PoolDesc)
DLC_FAKE_DESCRIPTOR(cudnnCreateActivationDescriptor, cudnnDestroyActivationDescriptor,
                    cudnnActivationDescriptor_t, ActivationDesc)
#undef DLC_FAKE_DESCRIPTOR

cudnnStatus_t cudnnSetTensorNdDescriptor(cudnnTensorDescriptor_t desc, cudnnDataType_t type,
                                         int rank, const int dims[], const int strides[]) {
  if (rank != 4)
    return CUDNN_STATUS_NOT_SUPPORTED;
  auto *d = reinterpret_cast<TensorDesc *>(desc);
  d->type = type;
  for (int i = 0; i < 4; ++i) {
    if (dims[i] < 1 || strides[i] < 1)
      return CUDNN_STATUS_BAD_PARAM;
    d->dims[i] = dims[i];
    d->strides[i] = strides[i];
  }
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t desc, cudnnDataType_t type,
                                         cudnnTensorFormat_t format, int k, int c, int h, int w) {
  if (format != CUDNN_TENSOR_NCHW)
    return CUDNN_STATUS_NOT_SUPPORTED;
  *reinterpret_cast<FilterDesc *>(desc) = {type, k, c, h, w};
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t desc, int padH, int padW,
                                              int strideH, int strideW, int dilationH,
                                              int dilationW, cudnnConvolutionMode_t mode,
                                              cudnnDataType_t) {
  if (mode != CUDNN_CROSS_CORRELATION)
    return CUDNN_STATUS_NOT_SUPPORTED;
  auto *c = reinterpret_cast<ConvDesc *>(desc);
  *c = ConvDesc{{padH, padW}, {strideH, strideW}, {dilationH, dilationW}, c->groups, c->math};
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionGroupCount(cudnnConvolutionDescriptor_t desc, int groups) {
  reinterpret_cast<ConvDesc *>(desc)->groups = groups;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t desc, cudnnMathType_t math) {
  reinterpret_cast<ConvDesc *>(desc)->math = math;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolution2dForwardOutputDim(const cudnnConvolutionDescriptor_t conv,
                                                    const cudnnTensorDescriptor_t input,
                                                    const cudnnFilterDescriptor_t filter, int *n,
                                                    int *c, int *h, int *w) {
  const auto &cd = *reinterpret_cast<const ConvDesc *>(conv);
  const auto &x = *reinterpret_cast<const TensorDesc *>(input);
  const auto &f = *reinterpret_cast<const FilterDesc *>(filter);
  if (x.dims[1] != f.c * cd.groups || f.k % cd.groups != 0)
    return CUDNN_STATUS_BAD_PARAM;
  *n = x.dims[0];
  *c = f.k;
  *h = outputDim(x.dims[2], cd.pad[0], f.r, cd.stride[0], cd.dilation[0]);
  *w = outputDim(x.dims[3], cd.pad[1], f.s, cd.stride[1], cd.dilation[1]);
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionForwardAlgorithm_v7(
    cudnnHandle_t, cudnnTensorDescriptor_t, cudnnFilterDescriptor_t, cudnnConvolutionDescriptor_t,
    cudnnTensorDescriptor_t, int requested, int *count, cudnnConvolutionFwdAlgoPerf_t *results) {
  rank(results, requested, count);
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t
cudnnGetConvolutionBackwardDataAlgorithm_v7(cudnnHandle_t, cudnnFilterDescriptor_t,
                                            cudnnTensorDescriptor_t, cudnnConvolutionDescriptor_t,
                                            cudnnTensorDescriptor_t, int requested, int *count,
                                            cudnnConvolutionBwdDataAlgoPerf_t *results) {
  rank(results, requested, count);
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t
cudnnGetConvolutionBackwardFilterAlgorithm_v7(cudnnHandle_t, cudnnTensorDescriptor_t,
                                              cudnnTensorDescriptor_t, cudnnConvolutionDescriptor_t,
                                              cudnnFilterDescriptor_t, int requested, int *count,
                                              cudnnConvolutionBwdFilterAlgoPerf_t *results) {
  rank(results, requested, count);
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t, cudnnTensorDescriptor_t,
                                                      cudnnFilterDescriptor_t,
                                                      cudnnConvolutionDescriptor_t,
                                                      cudnnTensorDescriptor_t,
                                                      cudnnConvolutionFwdAlgo_t, size_t *bytes) {
  *bytes = kWorkspace;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnGetConvolutionBackwardDataWorkspaceSize(
    cudnnHandle_t, cudnnFilterDescriptor_t, cudnnTensorDescriptor_t, cudnnConvolutionDescriptor_t,
    cudnnTensorDescriptor_t, cudnnConvolutionBwdDataAlgo_t, size_t *bytes) {
  *bytes = kWorkspace;
  return CUDNN_STATUS_SUCCESS;
}
cudnnStatus_t cudnnGetConvolutionBackwardFilterWorkspaceSize(
    cudnnHandle_t, cudnnTensorDescriptor_t, cudnnTensorDescriptor_t, cudnnConvolutionDescriptor_t,
    cudnnFilterDescriptor_t, cudnnConvolutionBwdFilterAlgo_t, size_t *bytes) {
  *bytes = kWorkspace;
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t handle, const void *alpha,
                                      const cudnnTensorDescriptor_t xDesc, const void *x,
                                      const cudnnFilterDescriptor_t wDesc, const void *w,
                                      const cudnnConvolutionDescriptor_t convDesc,
                                      cudnnConvolutionFwdAlgo_t, void *workspace, size_t bytes,
                                      const void *beta, const cudnnTensorDescriptor_t yDesc,
                                      void *y) {
  const TensorDesc X = *reinterpret_cast<const TensorDesc *>(xDesc),
                   Y = *reinterpret_cast<const TensorDesc *>(yDesc);
  const FilterDesc W = *reinterpret_cast<const FilterDesc *>(wDesc);
  const ConvDesc C = *reinterpret_cast<const ConvDesc *>(convDesc);
  if (!supported(X.type) || !workspace || bytes < kWorkspace)
    return CUDNN_STATUS_BAD_PARAM;
  const double a = scalar(alpha, X.type), b = scalar(beta, X.type);
  return run(handle, [=] {
    std::vector<double> sums(size_t(Y.dims[0]) * Y.dims[1] * Y.dims[2] * Y.dims[3], 0.0);
    auto index = [&](int n, int k, int oh, int ow) {
      return ((size_t(n) * Y.dims[1] + k) * Y.dims[2] + oh) * Y.dims[3] + ow;
    };
    convolutionTerms(
        X, W, C, Y, [&](int n, int k, int oh, int ow, int c, int ih, int iw, int r, int s, int cg) {
          sums[index(n, k, oh, ow)] +=
              load(x, X.type, X.at(n, c, ih, iw)) * load(w, W.type, W.at(k, cg, r, s));
        });
    for (int n = 0; n < Y.dims[0]; ++n)
      for (int k = 0; k < Y.dims[1]; ++k)
        for (int oh = 0; oh < Y.dims[2]; ++oh)
          for (int ow = 0; ow < Y.dims[3]; ++ow)
            blend(y, Y.type, Y.at(n, k, oh, ow), sums[index(n, k, oh, ow)], a, b);
  });
}

cudnnStatus_t cudnnConvolutionBackwardData(cudnnHandle_t handle, const void *alpha,
                                           const cudnnFilterDescriptor_t wDesc, const void *w,
                                           const cudnnTensorDescriptor_t dyDesc, const void *dy,
                                           const cudnnConvolutionDescriptor_t convDesc,
                                           cudnnConvolutionBwdDataAlgo_t, void *workspace,
                                           size_t bytes, const void *beta,
                                           const cudnnTensorDescriptor_t dxDesc, void *dx) {
  const TensorDesc DY = *reinterpret_cast<const TensorDesc *>(dyDesc),
                   DX = *reinterpret_cast<const TensorDesc *>(dxDesc);
  const FilterDesc W = *reinterpret_cast<const FilterDesc *>(wDesc);
  const ConvDesc C = *reinterpret_cast<const ConvDesc *>(convDesc);
  if (!supported(DX.type) || !workspace || bytes < kWorkspace)
    return CUDNN_STATUS_BAD_PARAM;
  const double a = scalar(alpha, DX.type), b = scalar(beta, DX.type);
  return run(handle, [=] {
    std::vector<double> sums(size_t(DX.dims[0]) * DX.dims[1] * DX.dims[2] * DX.dims[3], 0.0);
    auto index = [&](int n, int c, int h, int wi) {
      return ((size_t(n) * DX.dims[1] + c) * DX.dims[2] + h) * DX.dims[3] + wi;
    };
    convolutionTerms(
        DX, W, C, DY,
        [&](int n, int k, int oh, int ow, int c, int ih, int iw, int r, int s, int cg) {
          sums[index(n, c, ih, iw)] +=
              load(dy, DY.type, DY.at(n, k, oh, ow)) * load(w, W.type, W.at(k, cg, r, s));
        });
    for (int n = 0; n < DX.dims[0]; ++n)
      for (int c = 0; c < DX.dims[1]; ++c)
        for (int h = 0; h < DX.dims[2]; ++h)
          for (int wi = 0; wi < DX.dims[3]; ++wi)
            blend(dx, DX.type, DX.at(n, c, h, wi), sums[index(n, c, h, wi)], a, b);
  });
}

cudnnStatus_t cudnnConvolutionBackwardFilter(cudnnHandle_t handle, const void *alpha,
                                             const cudnnTensorDescriptor_t xDesc, const void *x,
                                             const cudnnTensorDescriptor_t dyDesc, const void *dy,
                                             const cudnnConvolutionDescriptor_t convDesc,
                                             cudnnConvolutionBwdFilterAlgo_t, void *workspace,
                                             size_t bytes, const void *beta,
                                             const cudnnFilterDescriptor_t dwDesc, void *dw) {
  const TensorDesc X = *reinterpret_cast<const TensorDesc *>(xDesc),
                   DY = *reinterpret_cast<const TensorDesc *>(dyDesc);
  const FilterDesc W = *reinterpret_cast<const FilterDesc *>(dwDesc);
  const ConvDesc C = *reinterpret_cast<const ConvDesc *>(convDesc);
  if (!supported(X.type) || !workspace || bytes < kWorkspace)
    return CUDNN_STATUS_BAD_PARAM;
  const double a = scalar(alpha, X.type), b = scalar(beta, X.type);
  return run(handle, [=] {
    std::vector<double> sums(size_t(W.k) * W.c * W.r * W.s, 0.0);
    convolutionTerms(
        X, W, C, DY,
        [&](int n, int k, int oh, int ow, int c, int ih, int iw, int r, int s, int cg) {
          sums[W.at(k, cg, r, s)] +=
              load(dy, DY.type, DY.at(n, k, oh, ow)) * load(x, X.type, X.at(n, c, ih, iw));
        });
    for (size_t i = 0; i < sums.size(); ++i)
      blend(dw, W.type, i, sums[i], a, b);
  });
}

cudnnStatus_t cudnnConvolutionBackwardBias(cudnnHandle_t handle, const void *alpha,
                                           const cudnnTensorDescriptor_t dyDesc, const void *dy,
                                           const void *beta, const cudnnTensorDescriptor_t dbDesc,
                                           void *db) {
  const TensorDesc DY = *reinterpret_cast<const TensorDesc *>(dyDesc),
                   DB = *reinterpret_cast<const TensorDesc *>(dbDesc);
  const double a = scalar(alpha, DY.type), b = scalar(beta, DY.type);
  return run(handle, [=] {
    for (int k = 0; k < DY.dims[1]; ++k) {
      double sum = 0;
      for (int n = 0; n < DY.dims[0]; ++n)
        for (int h = 0; h < DY.dims[2]; ++h)
          for (int w = 0; w < DY.dims[3]; ++w)
            sum += load(dy, DY.type, DY.at(n, k, h, w));
      blend(db, DB.type, DB.at(0, k, 0, 0), sum, a, b);
    }
  });
}

cudnnStatus_t cudnnAddTensor(cudnnHandle_t handle, const void *alpha,
                             const cudnnTensorDescriptor_t aDesc, const void *A, const void *beta,
                             const cudnnTensorDescriptor_t cDesc, void *C) {
  const TensorDesc AD = *reinterpret_cast<const TensorDesc *>(aDesc),
                   CD = *reinterpret_cast<const TensorDesc *>(cDesc);
  const double a = scalar(alpha, CD.type), b = scalar(beta, CD.type);
  return run(handle, [=] {
    for (int n = 0; n < CD.dims[0]; ++n)
      for (int c = 0; c < CD.dims[1]; ++c)
        for (int h = 0; h < CD.dims[2]; ++h)
          for (int w = 0; w < CD.dims[3]; ++w) {
            const size_t from = AD.at(AD.dims[0] == 1 ? 0 : n, AD.dims[1] == 1 ? 0 : c,
                                      AD.dims[2] == 1 ? 0 : h, AD.dims[3] == 1 ? 0 : w);
            blend(C, CD.type, CD.at(n, c, h, w), load(A, AD.type, from), a, b);
          }
  });
}

cudnnStatus_t cudnnSetActivationDescriptor(cudnnActivationDescriptor_t desc,
                                           cudnnActivationMode_t mode, cudnnNanPropagation_t,
                                           double) {
  reinterpret_cast<ActivationDesc *>(desc)->mode = mode;
  return mode == CUDNN_ACTIVATION_RELU || mode == CUDNN_ACTIVATION_TANH
             ? CUDNN_STATUS_SUCCESS
             : CUDNN_STATUS_NOT_SUPPORTED;
}

cudnnStatus_t cudnnActivationForward(cudnnHandle_t handle, cudnnActivationDescriptor_t desc,
                                     const void *alpha, const cudnnTensorDescriptor_t xDesc,
                                     const void *x, const void *beta,
                                     const cudnnTensorDescriptor_t yDesc, void *y) {
  const TensorDesc X = *reinterpret_cast<const TensorDesc *>(xDesc),
                   Y = *reinterpret_cast<const TensorDesc *>(yDesc);
  const double a = scalar(alpha, X.type), b = scalar(beta, X.type);
  const bool tanh = reinterpret_cast<const ActivationDesc *>(desc)->mode == CUDNN_ACTIVATION_TANH;
  return run(handle, [=] {
    for (int n = 0; n < X.dims[0]; ++n)
      for (int c = 0; c < X.dims[1]; ++c)
        for (int h = 0; h < X.dims[2]; ++h)
          for (int w = 0; w < X.dims[3]; ++w) {
            const double v = load(x, X.type, X.at(n, c, h, w));
            const double f = tanh ? std::tanh(v) : std::isnan(v) ? v : v > 0 ? v : 0;
            blend(y, Y.type, Y.at(n, c, h, w), f, a, b);
          }
  });
}

cudnnStatus_t cudnnSetPooling2dDescriptor(cudnnPoolingDescriptor_t desc, cudnnPoolingMode_t mode,
                                          cudnnNanPropagation_t, int windowH, int windowW, int padH,
                                          int padW, int strideH, int strideW) {
  *reinterpret_cast<PoolDesc *>(desc) =
      PoolDesc{mode, {windowH, windowW}, {padH, padW}, {strideH, strideW}};
  return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetPooling2dForwardOutputDim(const cudnnPoolingDescriptor_t desc,
                                                const cudnnTensorDescriptor_t input, int *n, int *c,
                                                int *h, int *w) {
  const PoolDesc &p = *reinterpret_cast<const PoolDesc *>(desc);
  const TensorDesc &x = *reinterpret_cast<const TensorDesc *>(input);
  *n = x.dims[0];
  *c = x.dims[1];
  *h = outputDim(x.dims[2], p.pad[0], p.window[0], p.stride[0], 1);
  *w = outputDim(x.dims[3], p.pad[1], p.window[1], p.stride[1], 1);
  return CUDNN_STATUS_SUCCESS;
}

} // extern "C"

namespace {

/// Calls f(ih, iw) for the window positions of output (oh, ow) inside the
/// image, and returns the divisor of an average.
template <typename F> int poolWindow(const PoolDesc &p, const TensorDesc &x, int oh, int ow, F f) {
  int h0, w0, counted = 0;
  windowStart(p, oh, ow, &h0, &w0);
  for (int i = 0; i < p.window[0]; ++i)
    for (int j = 0; j < p.window[1]; ++j) {
      const int ih = h0 + i, iw = w0 + j;
      if (ih < 0 || iw < 0 || ih >= x.dims[2] || iw >= x.dims[3])
        continue;
      ++counted;
      f(ih, iw);
    }
  return p.mode == CUDNN_POOLING_AVERAGE_COUNT_INCLUDE_PADDING ? p.window[0] * p.window[1]
                                                               : counted;
}

bool isMax(const PoolDesc &p) {
  return p.mode == CUDNN_POOLING_MAX || p.mode == CUDNN_POOLING_MAX_DETERMINISTIC;
}

} // namespace

extern "C" {

cudnnStatus_t cudnnPoolingForward(cudnnHandle_t handle, const cudnnPoolingDescriptor_t desc,
                                  const void *alpha, const cudnnTensorDescriptor_t xDesc,
                                  const void *x, const void *beta,
                                  const cudnnTensorDescriptor_t yDesc, void *y) {
  const PoolDesc P = *reinterpret_cast<const PoolDesc *>(desc);
  const TensorDesc X = *reinterpret_cast<const TensorDesc *>(xDesc),
                   Y = *reinterpret_cast<const TensorDesc *>(yDesc);
  if (!supported(X.type))
    return CUDNN_STATUS_NOT_SUPPORTED;
  const double a = scalar(alpha, X.type), b = scalar(beta, X.type);
  return run(handle, [=] {
    for (int n = 0; n < Y.dims[0]; ++n)
      for (int c = 0; c < Y.dims[1]; ++c)
        for (int oh = 0; oh < Y.dims[2]; ++oh)
          for (int ow = 0; ow < Y.dims[3]; ++ow) {
            double best = -INFINITY, sum = 0;
            bool nan = false;
            int divisor = poolWindow(P, X, oh, ow, [&](int ih, int iw) {
              const double v = load(x, X.type, X.at(n, c, ih, iw));
              nan |= std::isnan(v);
              best = v > best ? v : best;
              sum += v;
            });
            const double value = isMax(P) ? (nan ? NAN : best) : sum / divisor;
            blend(y, Y.type, Y.at(n, c, oh, ow), value, a, b);
          }
  });
}

cudnnStatus_t cudnnPoolingBackward(cudnnHandle_t handle, const cudnnPoolingDescriptor_t desc,
                                   const void *alpha, const cudnnTensorDescriptor_t yDesc,
                                   const void *y, const cudnnTensorDescriptor_t dyDesc,
                                   const void *dy, const cudnnTensorDescriptor_t xDesc,
                                   const void *x, const void *beta,
                                   const cudnnTensorDescriptor_t dxDesc, void *dx) {
  const PoolDesc P = *reinterpret_cast<const PoolDesc *>(desc);
  const TensorDesc Y = *reinterpret_cast<const TensorDesc *>(yDesc),
                   DY = *reinterpret_cast<const TensorDesc *>(dyDesc),
                   X = *reinterpret_cast<const TensorDesc *>(xDesc),
                   DX = *reinterpret_cast<const TensorDesc *>(dxDesc);
  if (!supported(X.type))
    return CUDNN_STATUS_NOT_SUPPORTED;
  const double a = scalar(alpha, X.type), b = scalar(beta, X.type);
  return run(handle, [=] {
    std::vector<double> sums(size_t(DX.dims[0]) * DX.dims[1] * DX.dims[2] * DX.dims[3], 0.0);
    auto index = [&](int n, int c, int h, int w) {
      return ((size_t(n) * DX.dims[1] + c) * DX.dims[2] + h) * DX.dims[3] + w;
    };
    for (int n = 0; n < DY.dims[0]; ++n)
      for (int c = 0; c < DY.dims[1]; ++c)
        for (int oh = 0; oh < DY.dims[2]; ++oh)
          for (int ow = 0; ow < DY.dims[3]; ++ow) {
            const double g = load(dy, DY.type, DY.at(n, c, oh, ow));
            if (isMax(P)) {
              // The first element of the window equal to the forward output
              // (NaN matching NaN) takes the whole gradient.
              const double want = load(y, Y.type, Y.at(n, c, oh, ow));
              bool given = false;
              poolWindow(P, X, oh, ow, [&](int ih, int iw) {
                const double v = load(x, X.type, X.at(n, c, ih, iw));
                if (!given && (v == want || (std::isnan(v) && std::isnan(want)))) {
                  sums[index(n, c, ih, iw)] += g;
                  given = true;
                }
              });
            } else {
              std::vector<std::pair<int, int>> cells;
              int divisor =
                  poolWindow(P, X, oh, ow, [&](int ih, int iw) { cells.emplace_back(ih, iw); });
              for (auto [ih, iw] : cells)
                sums[index(n, c, ih, iw)] += g / divisor;
            }
          }
    for (int n = 0; n < DX.dims[0]; ++n)
      for (int c = 0; c < DX.dims[1]; ++c)
        for (int h = 0; h < DX.dims[2]; ++h)
          for (int w = 0; w < DX.dims[3]; ++w)
            blend(dx, DX.type, DX.at(n, c, h, w), sums[index(n, c, h, w)], a, b);
  });
}

cudnnStatus_t cudnnDeriveBNTensorDescriptor(cudnnTensorDescriptor_t derived,
                                            const cudnnTensorDescriptor_t xDesc,
                                            cudnnBatchNormMode_t mode) {
  if (mode != CUDNN_BATCHNORM_SPATIAL)
    return CUDNN_STATUS_NOT_SUPPORTED;
  const TensorDesc &x = *reinterpret_cast<const TensorDesc *>(xDesc);
  auto &d = *reinterpret_cast<TensorDesc *>(derived);
  d = TensorDesc{x.type == CUDNN_DATA_DOUBLE ? CUDNN_DATA_DOUBLE : CUDNN_DATA_FLOAT,
                 {1, x.dims[1], 1, 1},
                 {x.dims[1], 1, 1, 1}};
  return CUDNN_STATUS_SUCCESS;
}

} // extern "C"

namespace {

/// Per-channel mean and biased variance of x.
void channelStatistics(const TensorDesc &X, const void *x, int c, double *mean, double *variance,
                       double *count) {
  double sum = 0, squares = 0;
  *count = double(X.dims[0]) * X.dims[2] * X.dims[3];
  for (int n = 0; n < X.dims[0]; ++n)
    for (int h = 0; h < X.dims[2]; ++h)
      for (int w = 0; w < X.dims[3]; ++w)
        sum += load(x, X.type, X.at(n, c, h, w));
  *mean = sum / *count;
  for (int n = 0; n < X.dims[0]; ++n)
    for (int h = 0; h < X.dims[2]; ++h)
      for (int w = 0; w < X.dims[3]; ++w) {
        const double d = load(x, X.type, X.at(n, c, h, w)) - *mean;
        squares += d * d;
      }
  *variance = squares / *count;
}

void store(void *data, cudnnDataType_t type, size_t i, double v) { blend(data, type, i, v, 1, 0); }

} // namespace

extern "C" {

cudnnStatus_t cudnnBatchNormalizationForwardTraining(
    cudnnHandle_t handle, cudnnBatchNormMode_t mode, const void *alpha, const void *beta,
    const cudnnTensorDescriptor_t xDesc, const void *x, const cudnnTensorDescriptor_t yDesc,
    void *y, const cudnnTensorDescriptor_t pDesc, const void *scale, const void *bias,
    double factor, void *runningMean, void *runningVariance, double epsilon, void *savedMean,
    void *savedInverse) {
  const TensorDesc X = *reinterpret_cast<const TensorDesc *>(xDesc),
                   Y = *reinterpret_cast<const TensorDesc *>(yDesc),
                   P = *reinterpret_cast<const TensorDesc *>(pDesc);
  if (mode != CUDNN_BATCHNORM_SPATIAL || !supported(X.type) ||
      (savedMean == nullptr) != (savedInverse == nullptr))
    return CUDNN_STATUS_BAD_PARAM;
  const double a = scalar(alpha, X.type), b = scalar(beta, X.type);
  return run(handle, [=] {
    for (int c = 0; c < X.dims[1]; ++c) {
      double mean, variance, count;
      channelStatistics(X, x, c, &mean, &variance, &count);
      const double rstd = 1 / std::sqrt(variance + epsilon);
      const double g = load(scale, P.type, c), o = load(bias, P.type, c);
      for (int n = 0; n < X.dims[0]; ++n)
        for (int h = 0; h < X.dims[2]; ++h)
          for (int w = 0; w < X.dims[3]; ++w)
            blend(y, Y.type, Y.at(n, c, h, w),
                  g * (load(x, X.type, X.at(n, c, h, w)) - mean) * rstd + o, a, b);
      const double unbiased = count > 1 ? variance * count / (count - 1) : variance;
      if (runningMean)
        store(runningMean, P.type, c, (1 - factor) * load(runningMean, P.type, c) + factor * mean);
      if (runningVariance)
        store(runningVariance, P.type, c,
              (1 - factor) * load(runningVariance, P.type, c) + factor * unbiased);
      if (savedMean) {
        store(savedMean, P.type, c, mean);
        store(savedInverse, P.type, c, rstd);
      }
    }
  });
}

cudnnStatus_t cudnnBatchNormalizationForwardInference(
    cudnnHandle_t handle, cudnnBatchNormMode_t mode, const void *alpha, const void *beta,
    const cudnnTensorDescriptor_t xDesc, const void *x, const cudnnTensorDescriptor_t yDesc,
    void *y, const cudnnTensorDescriptor_t pDesc, const void *scale, const void *bias,
    const void *mean, const void *variance, double epsilon) {
  const TensorDesc X = *reinterpret_cast<const TensorDesc *>(xDesc),
                   Y = *reinterpret_cast<const TensorDesc *>(yDesc),
                   P = *reinterpret_cast<const TensorDesc *>(pDesc);
  if (mode != CUDNN_BATCHNORM_SPATIAL || !supported(X.type))
    return CUDNN_STATUS_BAD_PARAM;
  const double a = scalar(alpha, X.type), b = scalar(beta, X.type);
  return run(handle, [=] {
    for (int c = 0; c < X.dims[1]; ++c) {
      const double m = load(mean, P.type, c), v = load(variance, P.type, c);
      const double g = load(scale, P.type, c), o = load(bias, P.type, c);
      for (int n = 0; n < X.dims[0]; ++n)
        for (int h = 0; h < X.dims[2]; ++h)
          for (int w = 0; w < X.dims[3]; ++w)
            blend(y, Y.type, Y.at(n, c, h, w),
                  g * (load(x, X.type, X.at(n, c, h, w)) - m) / std::sqrt(v + epsilon) + o, a, b);
    }
  });
}

cudnnStatus_t cudnnBatchNormalizationBackward(
    cudnnHandle_t handle, cudnnBatchNormMode_t mode, const void *alphaData, const void *betaData,
    const void *alphaParam, const void *betaParam, const cudnnTensorDescriptor_t xDesc,
    const void *x, const cudnnTensorDescriptor_t dyDesc, const void *dy,
    const cudnnTensorDescriptor_t dxDesc, void *dx, const cudnnTensorDescriptor_t pDesc,
    const void *scale, void *dScale, void *dBias, double epsilon, const void *savedMean,
    const void *savedInverse) {
  const TensorDesc X = *reinterpret_cast<const TensorDesc *>(xDesc),
                   DY = *reinterpret_cast<const TensorDesc *>(dyDesc),
                   DX = *reinterpret_cast<const TensorDesc *>(dxDesc),
                   P = *reinterpret_cast<const TensorDesc *>(pDesc);
  if (mode != CUDNN_BATCHNORM_SPATIAL || !supported(X.type) ||
      (savedMean == nullptr) != (savedInverse == nullptr))
    return CUDNN_STATUS_BAD_PARAM;
  const double ad = scalar(alphaData, X.type), bd = scalar(betaData, X.type);
  const double ap = scalar(alphaParam, X.type), bp = scalar(betaParam, X.type);
  return run(handle, [=] {
    for (int c = 0; c < X.dims[1]; ++c) {
      double mean, variance, count;
      channelStatistics(X, x, c, &mean, &variance, &count);
      const double rstd = 1 / std::sqrt(variance + epsilon);
      double sumDy = 0, sumDyXhat = 0;
      for (int n = 0; n < X.dims[0]; ++n)
        for (int h = 0; h < X.dims[2]; ++h)
          for (int w = 0; w < X.dims[3]; ++w) {
            const double g = load(dy, DY.type, DY.at(n, c, h, w));
            sumDy += g;
            sumDyXhat += g * (load(x, X.type, X.at(n, c, h, w)) - mean) * rstd;
          }
      const double gamma = load(scale, P.type, c);
      for (int n = 0; n < X.dims[0]; ++n)
        for (int h = 0; h < X.dims[2]; ++h)
          for (int w = 0; w < X.dims[3]; ++w) {
            const double xhat = (load(x, X.type, X.at(n, c, h, w)) - mean) * rstd;
            const double g = load(dy, DY.type, DY.at(n, c, h, w));
            blend(dx, DX.type, DX.at(n, c, h, w),
                  gamma * rstd / count * (count * g - sumDy - xhat * sumDyXhat), ad, bd);
          }
      blend(dScale, P.type, c, sumDyXhat, ap, bp);
      blend(dBias, P.type, c, sumDy, ap, bp);
    }
  });
}

} // extern "C"
