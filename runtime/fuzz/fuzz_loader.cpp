// libFuzzer target: any bytes given to dlc_executable_load_memory yield an
// executable or DLC_INVALID_FILE, never a crash; an executable that loads
// answers every query and gets a CPU session (its parameters initialized
// and readable, its inputs settable) without touching memory it does not
// own. Entry points are not run: the loader's checks cover the commands'
// buffers, not every run-time value.
#include "dlc/runtime.h"
#include "executable_generated.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

// Sessions allocate what the file asks for; keep that small.
constexpr uint64_t kMaxSessionBytes = 64 << 20;

void check(dlc_status *status, const char *call) {
  if (!status)
    return;
  const dlc_status_code code = dlc_status_get_code(status);
  if (code == DLC_INTERNAL) {
    std::fprintf(stderr, "%s: internal error: %s\n", call, dlc_status_get_message(status));
    std::abort();
  }
  dlc_status_free(status);
}

/// The memory a session of this (verified) file would allocate.
uint64_t sessionBytes(const uint8_t *data, size_t size) {
  std::vector<uint64_t> aligned((size + 7) / 8);
  std::memcpy(aligned.data(), data, size);
  const dlc::fb::Executable &exe = *dlc::fb::GetExecutable(aligned.data());
  uint64_t arena = 0;
  if (exe.entry_points())
    for (const dlc::fb::EntryPoint *entry : *exe.entry_points())
      arena = std::max<uint64_t>(arena, entry->arena_size());
  return exe.persistent_size() + arena + (exe.constants() ? exe.constants()->size() : 0);
}

void exercise(dlc_executable *exe, uint64_t bytes) {
  dlc_executable_model_name(exe);
  std::vector<uint8_t> scratch;
  for (size_t e = 0; e < dlc_executable_entry_point_count(exe); ++e) {
    const char *entry = dlc_executable_entry_point_name(exe, e);
    size_t inputs = 0, outputs = 0;
    check(dlc_executable_entry_point_io(exe, entry, &inputs, &outputs), "entry_point_io");
    dlc_tensor_info info;
    for (size_t i = 0; i <= inputs; ++i) // one past the end: a clean NOT_FOUND
      check(dlc_executable_input_info(exe, entry, i, &info), "input_info");
    for (size_t i = 0; i <= outputs; ++i)
      check(dlc_executable_output_info(exe, entry, i, &info), "output_info");
  }
  const size_t parameters = dlc_executable_parameter_count(exe);
  for (size_t i = 0; i <= parameters; ++i) {
    dlc_tensor_info info;
    check(dlc_executable_parameter_info(exe, i, &info), "parameter_info");
  }
  if (bytes > kMaxSessionBytes)
    return;

  dlc_session_options options{"cpu", 1, 0, nullptr};
  dlc_session *session = nullptr;
  check(dlc_session_create(exe, &options, &session), "session_create");
  if (!session)
    return;
  for (size_t i = 0; i < parameters; ++i) {
    dlc_tensor_info info;
    check(dlc_executable_parameter_info(exe, i, &info), "parameter_info");
    scratch.assign(info.size_bytes, 0);
    check(dlc_session_get_parameter(session, info.name, scratch.data(), scratch.size()),
          "get_parameter");
    check(dlc_session_set_parameter(session, info.name, scratch.data(), scratch.size()),
          "set_parameter");
  }
  for (size_t e = 0; e < dlc_executable_entry_point_count(exe); ++e) {
    const char *entry = dlc_executable_entry_point_name(exe, e);
    size_t inputs = 0, outputs = 0;
    check(dlc_executable_entry_point_io(exe, entry, &inputs, &outputs), "entry_point_io");
    for (size_t i = 0; i < inputs; ++i) {
      dlc_tensor_info info;
      check(dlc_executable_input_info(exe, entry, i, &info), "input_info");
      scratch.assign(info.size_bytes, 0);
      check(dlc_session_set_input(session, entry, info.name, info.dtype, info.shape, info.rank,
                                  scratch.data(), scratch.size()),
            "set_input");
    }
    for (size_t i = 0; i < outputs; ++i) {
      dlc_tensor_info info;
      check(dlc_executable_output_info(exe, entry, i, &info), "output_info");
      scratch.assign(info.size_bytes, 0);
      check(dlc_session_get_output(session, entry, info.name, scratch.data(), scratch.size()),
            "get_output"); // not run yet: a clean error
    }
  }
  dlc_session_release(session);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dlc_executable *exe = nullptr;
  dlc_status *status = dlc_executable_load_memory(data, size, "fuzz.fb", &exe);
  if (status) {
    if (dlc_status_get_code(status) != DLC_INVALID_FILE) {
      std::fprintf(stderr, "load failed with code %d: %s\n", dlc_status_get_code(status),
                   dlc_status_get_message(status));
      std::abort();
    }
    dlc_status_free(status);
    return 0;
  }
  exercise(exe, sessionBytes(data, size));
  dlc_executable_release(exe);
  return 0;
}
