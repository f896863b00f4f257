// The C API (include/dlc/runtime.h) over Executable and Session: argument
// checks, and the boundary that turns every Status and every C++ exception
// into a dlc_status*.
#include "dlc/runtime.h"

#include "executable.h"
#include "session.h"
#include "verify.h"

#include <new>

using dlc::rt::Executable;
using dlc::rt::Session;
using dlc::rt::Status;

struct dlc_status {
  dlc_status_code code;
  std::string message;
};

struct dlc_executable {
  std::shared_ptr<const Executable> executable;
};

struct dlc_session {
  std::unique_ptr<Session> session;
  std::string device;     // the device's name
  std::string deviceNote; // why "auto" chose the CPU
};

namespace {

// Returned when even the status cannot be allocated; never freed.
dlc_status outOfMemory{DLC_INTERNAL, "out of memory"};

dlc_status *toC(const Status &status) {
  if (status.ok())
    return nullptr;
  try {
    return new dlc_status{status.code(), status.message()};
  } catch (...) {
    return &outOfMemory;
  }
}

/// Runs `body(function)` (returning a Status) with no exception escaping;
/// `function` names the API call in messages.
template <typename Body> dlc_status *guard(const char *function, Body &&body) {
  try {
    return toC(body(function));
  } catch (const std::bad_alloc &) {
    return toC(dlc::rt::error(DLC_INTERNAL, "{}: out of memory", function));
  } catch (const std::exception &e) {
    return toC(dlc::rt::error(DLC_INTERNAL, "{}: {}", function, e.what()));
  } catch (...) {
    return toC(dlc::rt::error(DLC_INTERNAL, "{}: unknown exception", function));
  }
}

Status nullArgument(const char *function, const char *argument) {
  return dlc::rt::error(DLC_INVALID_ARGUMENT, "{}: {} is NULL", function, argument);
}

// In the body of a guard(): fails when `argument` is NULL.
#define DLC_REQUIRE(argument)                                                                      \
  do {                                                                                             \
    if (!(argument))                                                                               \
      return nullArgument(function, #argument);                                                    \
  } while (0)

bool validDtype(dlc_dtype dtype) { return dtype >= DLC_F32 && dtype <= DLC_I1; }

Status fillInfo(const Executable &exe, uint32_t buffer, dlc_tensor_info *info) {
  const dlc::rt::BufferInfo b = exe.bufferInfo(buffer);
  info->name = b.name;
  info->dtype = static_cast<dlc_dtype>(b.dtype);
  info->rank = b.shape.rank;
  for (int i = 0; i < DLC_MAX_RANK; ++i)
    info->shape[i] = i < b.shape.rank ? b.shape.dims[i] : 0;
  info->size_bytes = b.bytes;
  return dlc::rt::okStatus();
}

Status signatureInfo(const dlc_executable *executable, const char *entry, size_t index, bool input,
                     dlc_tensor_info *info, const char *function) {
  if (!executable)
    return nullArgument(function, "executable");
  if (!entry)
    return nullArgument(function, "entry");
  if (!info)
    return nullArgument(function, "info");
  const Executable &exe = *executable->executable;
  size_t e = 0;
  DLC_RETURN_IF_ERROR(exe.findEntryPoint(entry, &e));
  const size_t count = input ? exe.inputCount(e) : exe.outputCount(e);
  if (index >= count)
    return dlc::rt::error(DLC_NOT_FOUND, "'{}' has {} {}s; index {} is out of range", entry, count,
                          input ? "input" : "output", index);
  return fillInfo(exe, input ? exe.inputBuffer(e, index) : exe.outputBuffer(e, index), info);
}

} // namespace

extern "C" {

dlc_status_code dlc_status_get_code(const dlc_status *status) {
  return status ? status->code : DLC_OK;
}

const char *dlc_status_get_message(const dlc_status *status) {
  return status ? status->message.c_str() : "";
}

void dlc_status_free(dlc_status *status) {
  if (status != &outOfMemory)
    delete status;
}

#define DLC_TEXT(x) #x
#define DLC_VERSION_TEXT(major, minor, patch)                                                      \
  DLC_TEXT(major) "." DLC_TEXT(minor) "." DLC_TEXT(patch)
const char *dlc_runtime_version(void) {
  return DLC_VERSION_TEXT(DLC_RUNTIME_VERSION_MAJOR, DLC_RUNTIME_VERSION_MINOR,
                          DLC_RUNTIME_VERSION_PATCH);
}

size_t dlc_dtype_size(dlc_dtype dtype) {
  return validDtype(dtype) ? dlc::rt::dtypeSize(static_cast<dlc::fb::DType>(dtype)) : 0;
}

const char *dlc_dtype_name(dlc_dtype dtype) {
  return validDtype(dtype) ? dlc::rt::dtypeName(static_cast<dlc::fb::DType>(dtype)) : "?";
}

dlc_status *dlc_executable_load_file(const char *path, dlc_executable **out) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(path);
    DLC_REQUIRE(out);
    *out = nullptr;
    std::shared_ptr<const Executable> exe;
    DLC_RETURN_IF_ERROR(Executable::loadFile(path, &exe));
    *out = new dlc_executable{std::move(exe)};
    return dlc::rt::okStatus();
  });
}

dlc_status *dlc_executable_load_memory(const void *data, size_t size, const char *name,
                                       dlc_executable **out) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(out);
    *out = nullptr;
    if (!data && size > 0)
      return nullArgument(function, "data");
    std::shared_ptr<const Executable> exe;
    DLC_RETURN_IF_ERROR(Executable::loadMemory(data, size, name ? name : "<memory>", &exe));
    *out = new dlc_executable{std::move(exe)};
    return dlc::rt::okStatus();
  });
}

void dlc_executable_release(dlc_executable *executable) { delete executable; }

const char *dlc_executable_model_name(const dlc_executable *executable) {
  return executable ? executable->executable->modelName() : "";
}

const char *dlc_executable_dataset(const dlc_executable *executable) {
  return executable ? executable->executable->dataset() : "";
}

size_t dlc_executable_entry_point_count(const dlc_executable *executable) {
  return executable ? executable->executable->entryPointCount() : 0;
}

const char *dlc_executable_entry_point_name(const dlc_executable *executable, size_t index) {
  if (!executable || index >= executable->executable->entryPointCount())
    return nullptr;
  return executable->executable->entryPointName(index);
}

dlc_status *dlc_executable_entry_point_io(const dlc_executable *executable, const char *entry,
                                          size_t *input_count, size_t *output_count) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(executable);
    DLC_REQUIRE(entry);
    const Executable &exe = *executable->executable;
    size_t e = 0;
    DLC_RETURN_IF_ERROR(exe.findEntryPoint(entry, &e));
    if (input_count)
      *input_count = exe.inputCount(e);
    if (output_count)
      *output_count = exe.outputCount(e);
    return dlc::rt::okStatus();
  });
}

dlc_status *dlc_executable_input_info(const dlc_executable *executable, const char *entry,
                                      size_t index, dlc_tensor_info *info) {
  return guard(__func__, [&](const char *function) {
    return signatureInfo(executable, entry, index, true, info, function);
  });
}

dlc_status *dlc_executable_output_info(const dlc_executable *executable, const char *entry,
                                       size_t index, dlc_tensor_info *info) {
  return guard(__func__, [&](const char *function) {
    return signatureInfo(executable, entry, index, false, info, function);
  });
}

size_t dlc_executable_parameter_count(const dlc_executable *executable) {
  return executable ? executable->executable->parameters().size() : 0;
}

dlc_status *dlc_executable_parameter_info(const dlc_executable *executable, size_t index,
                                          dlc_tensor_info *info) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(executable);
    DLC_REQUIRE(info);
    const Executable &exe = *executable->executable;
    if (index >= exe.parameters().size())
      return dlc::rt::error(DLC_NOT_FOUND, "model '{}' has {} parameters; index {} is out of range",
                            exe.modelName(), exe.parameters().size(), index);
    return fillInfo(exe, exe.parameters()[index], info);
  });
}

dlc_status *dlc_session_create(const dlc_executable *executable, const dlc_session_options *options,
                               dlc_session **out) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(executable);
    DLC_REQUIRE(out);
    *out = nullptr;
    const dlc_session_options defaults{};
    const dlc_session_options &o = options ? *options : defaults;
    const char *kind = o.device ? o.device : "cpu";
    dlc::rt::DeviceOptions deviceOptions;
    deviceOptions.threads = o.num_threads;
    const std::string_view precision = o.precision ? o.precision : "fp32";
    if (precision != "fp32" && precision != "tf32")
      return dlc::rt::error(DLC_INVALID_ARGUMENT, "{}: precision '{}' is not fp32 or tf32",
                            function, dlc::rt::printable(precision));
    deviceOptions.tf32 = precision == "tf32";
    std::unique_ptr<dlc::rt::Device> device;
    std::string note;
    DLC_RETURN_IF_ERROR(
        dlc::rt::openDevice(kind, deviceOptions, *executable->executable, &device, &note));
    std::string name = device->name();
    std::unique_ptr<Session> session;
    DLC_RETURN_IF_ERROR(
        Session::create(executable->executable, std::move(device), o.seed, &session));
    *out = new dlc_session{std::move(session), std::move(name), std::move(note)};
    return dlc::rt::okStatus();
  });
}

void dlc_session_release(dlc_session *session) { delete session; }

const char *dlc_session_device(const dlc_session *session) {
  return session ? session->device.c_str() : "";
}

const char *dlc_session_device_note(const dlc_session *session) {
  return session ? session->deviceNote.c_str() : "";
}

size_t dlc_session_peak_memory(const dlc_session *session) {
  return session ? session->session->device().peakMemoryBytes() : 0;
}

dlc_status *dlc_session_fetch_output(dlc_session *session, const char *entry, const char *name,
                                     void *data, size_t size_bytes) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(session);
    DLC_REQUIRE(entry);
    DLC_REQUIRE(name);
    return session->session->fetchOutput(entry, name, data, size_bytes);
  });
}

dlc_status *dlc_session_synchronize(dlc_session *session) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(session);
    return session->session->synchronize();
  });
}

dlc_status *dlc_session_set_input(dlc_session *session, const char *entry, const char *name,
                                  dlc_dtype dtype, const int64_t *shape, int32_t rank,
                                  const void *data, size_t size_bytes) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(session);
    DLC_REQUIRE(entry);
    DLC_REQUIRE(name);
    if (!validDtype(dtype))
      return dlc::rt::error(DLC_INVALID_ARGUMENT, "{}: unknown dtype {}", function,
                            static_cast<int>(dtype));
    if (rank < 0 || rank > DLC_MAX_RANK)
      return dlc::rt::error(DLC_INVALID_ARGUMENT, "{}: rank {} is not in [0, {}]", function, rank,
                            DLC_MAX_RANK);
    if (rank > 0 && !shape)
      return nullArgument(function, "shape");
    dlc::rt::Shape s;
    s.rank = rank;
    for (int i = 0; i < rank; ++i)
      s.dims[i] = shape[i];
    return session->session->setInput(entry, name, static_cast<dlc::fb::DType>(dtype), s, data,
                                      size_bytes);
  });
}

dlc_status *dlc_session_run(dlc_session *session, const char *entry) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(session);
    DLC_REQUIRE(entry);
    return session->session->run(entry);
  });
}

dlc_status *dlc_session_get_output(dlc_session *session, const char *entry, const char *name,
                                   void *data, size_t size_bytes) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(session);
    DLC_REQUIRE(entry);
    DLC_REQUIRE(name);
    return session->session->getOutput(entry, name, data, size_bytes);
  });
}

dlc_status *dlc_session_get_parameter(dlc_session *session, const char *name, void *data,
                                      size_t size_bytes) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(session);
    DLC_REQUIRE(name);
    return session->session->getParameter(name, data, size_bytes);
  });
}

dlc_status *dlc_session_set_parameter(dlc_session *session, const char *name, const void *data,
                                      size_t size_bytes) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(session);
    DLC_REQUIRE(name);
    return session->session->setParameter(name, data, size_bytes);
  });
}

dlc_status *dlc_session_save_parameters(dlc_session *session, const char *path) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(session);
    DLC_REQUIRE(path);
    return session->session->saveParameters(path);
  });
}

dlc_status *dlc_session_set_metadata(dlc_session *session, const char *key, const char *value) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(session);
    DLC_REQUIRE(key);
    DLC_REQUIRE(value);
    if (std::string_view(key) == "model")
      return dlc::rt::error(DLC_INVALID_ARGUMENT, "{}: the key 'model' is reserved", function);
    session->session->setMetadata(key, value);
    return dlc::rt::okStatus();
  });
}

const char *dlc_session_get_metadata(const dlc_session *session, const char *key) {
  return session && key ? session->session->metadata(key) : nullptr;
}

dlc_status *dlc_session_load_parameters(dlc_session *session, const char *path) {
  return guard(__func__, [&](const char *function) -> Status {
    DLC_REQUIRE(session);
    DLC_REQUIRE(path);
    return session->session->loadParameters(path);
  });
}

} // extern "C"
