// A thin header-only C++ wrapper over the C API (runtime.h).
//
// Errors are exceptions here: every failing call throws dlc::Error, which
// carries the C API's status code and message. Objects are move-only RAII
// owners of their C handles. A Session keeps its executable alive, so an
// Executable may be destroyed before the sessions created from it.
//
//   dlc::Executable exe = dlc::Executable::loadFile("model.fb");
//   dlc::Session session(exe);
//   session.setInput("forward", "images", {128, 28, 28}, pixels);  // std::vector<uint8_t>
//   session.run("forward");
//   std::vector<float> logits = session.output<float>("forward", "logits");
#ifndef DLC_RUNTIME_HPP
#define DLC_RUNTIME_HPP

#include "dlc/runtime.h"

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace dlc {

class Error : public std::runtime_error {
public:
  Error(dlc_status_code code, const std::string &message)
      : std::runtime_error(message), code_(code) {}
  dlc_status_code code() const { return code_; }

private:
  dlc_status_code code_;
};

/// The loaded runtime library's version, "MAJOR.MINOR.PATCH".
inline std::string version() { return dlc_runtime_version(); }

namespace detail {

/// Throws the status as an Error (and frees it); does nothing for success.
inline void check(dlc_status *status) {
  if (!status)
    return;
  Error error(dlc_status_get_code(status), dlc_status_get_message(status));
  dlc_status_free(status);
  throw error;
}

template <typename T> struct DtypeOf;
template <> struct DtypeOf<float> { static constexpr dlc_dtype value = DLC_F32; };
template <> struct DtypeOf<double> { static constexpr dlc_dtype value = DLC_F64; };
template <> struct DtypeOf<int64_t> { static constexpr dlc_dtype value = DLC_I64; };
template <> struct DtypeOf<int32_t> { static constexpr dlc_dtype value = DLC_I32; };
template <> struct DtypeOf<uint8_t> { static constexpr dlc_dtype value = DLC_U8; };

} // namespace detail

struct TensorInfo {
  std::string name;
  dlc_dtype dtype = DLC_F32;
  std::vector<int64_t> shape;
  size_t sizeBytes = 0;

  static TensorInfo from(const dlc_tensor_info &info) {
    return {info.name, info.dtype, std::vector<int64_t>(info.shape, info.shape + info.rank),
            info.size_bytes};
  }
};

class Executable {
public:
  static Executable loadFile(const std::string &path) {
    dlc_executable *handle = nullptr;
    detail::check(dlc_executable_load_file(path.c_str(), &handle));
    return Executable(handle);
  }
  /// The bytes are copied; `name` appears in messages.
  static Executable loadMemory(const void *data, size_t size,
                               const std::string &name = "<memory>") {
    dlc_executable *handle = nullptr;
    detail::check(dlc_executable_load_memory(data, size, name.c_str(), &handle));
    return Executable(handle);
  }

  Executable(Executable &&other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  Executable &operator=(Executable &&other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  Executable(const Executable &) = delete;
  Executable &operator=(const Executable &) = delete;
  ~Executable() { dlc_executable_release(handle_); }

  const dlc_executable *handle() const { return handle_; }
  std::string modelName() const { return dlc_executable_model_name(handle_); }
  std::string dataset() const { return dlc_executable_dataset(handle_); }

  std::vector<std::string> entryPoints() const {
    std::vector<std::string> names;
    for (size_t i = 0; i < dlc_executable_entry_point_count(handle_); ++i)
      names.emplace_back(dlc_executable_entry_point_name(handle_, i));
    return names;
  }
  std::vector<TensorInfo> inputs(const std::string &entry) const { return signature(entry, true); }
  std::vector<TensorInfo> outputs(const std::string &entry) const {
    return signature(entry, false);
  }
  std::vector<TensorInfo> parameters() const {
    std::vector<TensorInfo> infos;
    for (size_t i = 0; i < dlc_executable_parameter_count(handle_); ++i) {
      dlc_tensor_info info;
      detail::check(dlc_executable_parameter_info(handle_, i, &info));
      infos.push_back(TensorInfo::from(info));
    }
    return infos;
  }

private:
  explicit Executable(dlc_executable *handle) : handle_(handle) {}

  std::vector<TensorInfo> signature(const std::string &entry, bool inputs) const {
    size_t numInputs = 0, numOutputs = 0;
    detail::check(dlc_executable_entry_point_io(handle_, entry.c_str(), &numInputs, &numOutputs));
    std::vector<TensorInfo> infos;
    for (size_t i = 0; i < (inputs ? numInputs : numOutputs); ++i) {
      dlc_tensor_info info;
      detail::check(inputs ? dlc_executable_input_info(handle_, entry.c_str(), i, &info)
                           : dlc_executable_output_info(handle_, entry.c_str(), i, &info));
      infos.push_back(TensorInfo::from(info));
    }
    return infos;
  }

  dlc_executable *handle_ = nullptr;
};

class Session {
public:
  struct Options {
    std::string device = "cpu";     // "auto", "cpu", "cuda", "cuda:N"
    int32_t numThreads = 0;         // 0: one per core
    uint64_t seed = 0;              // added to every initializer's seed
    std::string precision = "fp32"; // or "tf32" (the GPU's f32 products)
  };

  explicit Session(const Executable &executable) : Session(executable, Options()) {}
  Session(const Executable &executable, const Options &options) {
    const dlc_session_options o{options.device.c_str(), options.numThreads, options.seed,
                                options.precision.c_str()};
    detail::check(dlc_session_create(executable.handle(), &o, &handle_));
    // Sizes for output() and parameter(), which return whole tensors.
    for (const std::string &entry : executable.entryPoints())
      for (const TensorInfo &info : executable.outputs(entry))
        outputBytes_[entry + '\0' + info.name] = info.sizeBytes;
    for (const TensorInfo &info : executable.parameters())
      parameterBytes_[info.name] = info.sizeBytes;
  }
  Session(Session &&other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)), outputBytes_(std::move(other.outputBytes_)),
        parameterBytes_(std::move(other.parameterBytes_)) {}
  Session &operator=(Session &&other) noexcept {
    std::swap(handle_, other.handle_);
    std::swap(outputBytes_, other.outputBytes_);
    std::swap(parameterBytes_, other.parameterBytes_);
    return *this;
  }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;
  ~Session() { dlc_session_release(handle_); }

  dlc_session *handle() const { return handle_; }
  /// The device it computes on, and why "auto" chose the CPU ("" if not).
  std::string device() const { return dlc_session_device(handle_); }
  std::string deviceNote() const { return dlc_session_device_note(handle_); }
  size_t peakMemory() const { return dlc_session_peak_memory(handle_); }

  void setInput(const std::string &entry, const std::string &name, dlc_dtype dtype,
                const std::vector<int64_t> &shape, const void *data, size_t sizeBytes) {
    detail::check(dlc_session_set_input(handle_, entry.c_str(), name.c_str(), dtype, shape.data(),
                                        static_cast<int32_t>(shape.size()), data, sizeBytes));
  }
  template <typename T>
  void setInput(const std::string &entry, const std::string &name,
                const std::vector<int64_t> &shape, const std::vector<T> &data) {
    setInput(entry, name, detail::DtypeOf<T>::value, shape, data.data(), data.size() * sizeof(T));
  }

  void run(const std::string &entry) { detail::check(dlc_session_run(handle_, entry.c_str())); }

  void getOutput(const std::string &entry, const std::string &name, void *data, size_t sizeBytes) {
    detail::check(dlc_session_get_output(handle_, entry.c_str(), name.c_str(), data, sizeBytes));
  }
  /// Like getOutput, but `data` is filled by the next synchronize() (or any
  /// call that reads): no waiting for the run on a GPU.
  void fetchOutput(const std::string &entry, const std::string &name, void *data,
                   size_t sizeBytes) {
    detail::check(dlc_session_fetch_output(handle_, entry.c_str(), name.c_str(), data, sizeBytes));
  }
  void synchronize() { detail::check(dlc_session_synchronize(handle_)); }
  /// The whole output as T elements (T's size must divide the output's).
  template <typename T> std::vector<T> output(const std::string &entry, const std::string &name) {
    auto it = outputBytes_.find(entry + '\0' + name);
    std::vector<T> data(it == outputBytes_.end() ? 0 : it->second / sizeof(T));
    getOutput(entry, name, data.data(), data.size() * sizeof(T));
    return data;
  }

  void getParameter(const std::string &name, void *data, size_t sizeBytes) {
    detail::check(dlc_session_get_parameter(handle_, name.c_str(), data, sizeBytes));
  }
  template <typename T> std::vector<T> parameter(const std::string &name) {
    auto it = parameterBytes_.find(name);
    std::vector<T> data(it == parameterBytes_.end() ? 0 : it->second / sizeof(T));
    getParameter(name, data.data(), data.size() * sizeof(T));
    return data;
  }
  void setParameter(const std::string &name, const void *data, size_t sizeBytes) {
    detail::check(dlc_session_set_parameter(handle_, name.c_str(), data, sizeBytes));
  }
  template <typename T> void setParameter(const std::string &name, const std::vector<T> &data) {
    setParameter(name, data.data(), data.size() * sizeof(T));
  }

  void saveParameters(const std::string &path) {
    detail::check(dlc_session_save_parameters(handle_, path.c_str()));
  }
  void loadParameters(const std::string &path) {
    detail::check(dlc_session_load_parameters(handle_, path.c_str()));
  }
  void setMetadata(const std::string &key, const std::string &value) {
    detail::check(dlc_session_set_metadata(handle_, key.c_str(), value.c_str()));
  }
  /// The value of `key`, or nullopt.
  std::optional<std::string> metadata(const std::string &key) const {
    const char *value = dlc_session_get_metadata(handle_, key.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  }

private:
  dlc_session *handle_ = nullptr;
  std::map<std::string, size_t> outputBytes_;
  std::map<std::string, size_t> parameterBytes_;
};

} // namespace dlc

#endif // DLC_RUNTIME_HPP
