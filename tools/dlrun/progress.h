// Progress as people expect it: on a terminal, one line rewritten in place
// (a bar with the position, metrics, throughput and ETA) under permanent
// lines; into a pipe or a file, permanent lines only.
#ifndef DLC_TOOLS_DLRUN_PROGRESS_H
#define DLC_TOOLS_DLRUN_PROGRESS_H

#include <chrono>
#include <string>

namespace dlc::tools {

/// Whether standard output is a terminal.
bool stdoutIsTerminal();

class Progress {
public:
  /// With `bar`, update() draws a bar in place; without, it does nothing.
  explicit Progress(bool bar) : bar_(bar) {}
  /// Ends a bar still drawn with a newline, so that what follows (an error
  /// on stderr) starts on a line of its own.
  ~Progress();
  Progress(const Progress &) = delete;
  Progress &operator=(const Progress &) = delete;

  bool bar() const { return bar_; }

  /// A permanent line, above the bar.
  void line(const std::string &text);

  /// Draws `label [=====>    ] 45% text`, cut to the terminal's width. With
  /// `force` false, at most ten times a second.
  void update(const std::string &label, double fraction, const std::string &text,
              bool force = false);

  /// Erases the bar.
  void clear();

private:
  bool bar_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

/// The bar itself, `width` characters between the brackets (for tests).
std::string barText(double fraction, int width);

} // namespace dlc::tools

#endif // DLC_TOOLS_DLRUN_PROGRESS_H
