// Internal error values. Every fallible function returns a Status (or fills
// one); the C API turns it into a dlc_status*. No exceptions.
#ifndef DLC_RUNTIME_SRC_STATUS_H
#define DLC_RUNTIME_SRC_STATUS_H

#include "dlc/runtime.h"

#include <fmt/format.h>
#include <string>
#include <utility>

namespace dlc::rt {

class [[nodiscard]] Status {
public:
  Status() = default;
  Status(dlc_status_code code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == DLC_OK; }
  dlc_status_code code() const { return code_; }
  const std::string &message() const { return message_; }

  /// The same error with `context` in front: "context: message".
  Status withContext(const std::string &context) const {
    return ok() ? *this : Status(code_, context + ": " + message_);
  }

private:
  dlc_status_code code_ = DLC_OK;
  std::string message_;
};

inline Status okStatus() { return {}; }

template <typename... Args>
Status error(dlc_status_code code, fmt::format_string<Args...> format, Args &&...args) {
  return Status(code, fmt::format(format, std::forward<Args>(args)...));
}

#define DLC_RETURN_IF_ERROR(expr)                                                                  \
  do {                                                                                             \
    ::dlc::rt::Status status_ = (expr);                                                            \
    if (!status_.ok())                                                                             \
      return status_;                                                                              \
  } while (0)

} // namespace dlc::rt

#endif // DLC_RUNTIME_SRC_STATUS_H
