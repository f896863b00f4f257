#include "progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include <sys/ioctl.h>
#include <unistd.h>

namespace dlc::tools {
namespace {

int terminalColumns() {
  winsize size{};
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 20)
    return size.ws_col;
  return 100;
}

} // namespace

bool stdoutIsTerminal() { return isatty(STDOUT_FILENO) == 1; }

std::string barText(double fraction, int width) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  int full = static_cast<int>(fraction * width);
  std::string text(static_cast<size_t>(full), '=');
  if (full < width)
    text += '>';
  text.resize(static_cast<size_t>(width), ' ');
  return text;
}

Progress::~Progress() {
  if (drawn_) {
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }
}

void Progress::clear() {
  if (!drawn_)
    return;
  // Carriage return, then erase to the end of the line.
  std::fputs("\r\x1b[K", stdout);
  drawn_ = false;
}

void Progress::line(const std::string &text) {
  clear();
  fmt::print("{}\n", text);
  std::fflush(stdout);
}

void Progress::update(const std::string &label, double fraction, const std::string &text,
                      bool force) {
  if (!bar_)
    return;
  auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_ < std::chrono::milliseconds(100))
    return;
  last_ = now;
  std::string line =
      fmt::format("{} [{}] {:3.0f}% {}", label, barText(fraction, 24), 100 * fraction, text);
  const size_t columns = static_cast<size_t>(terminalColumns()) - 1;
  if (line.size() > columns)
    line.resize(columns);
  fmt::print("\r{}\x1b[K", line);
  std::fflush(stdout);
  drawn_ = true;
}

} // namespace dlc::tools
