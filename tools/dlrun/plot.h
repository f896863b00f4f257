// The picture of a training run: one SVG panel per quantity (loss and each
// metric) against the step, training and evaluation curves in each.
#ifndef DLC_TOOLS_DLRUN_PLOT_H
#define DLC_TOOLS_DLRUN_PLOT_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dlc::tools {

class Plot {
public:
  /// Records `values` (named `names`) of kind "train" or "eval" at `step`.
  void add(const std::string &kind, int64_t step, const std::vector<std::string> &names,
           const std::vector<double> &values);
  /// Writes the SVG (atomically: a temporary file renamed into place).
  void write(const std::string &path, const std::string &title) const;

private:
  struct Point {
    int64_t step;
    double value;
  };
  std::vector<std::string> order_; // quantities, first seen first
  std::map<std::string, std::map<std::string, std::vector<Point>>>
      series_; // name -> kind -> points
};

} // namespace dlc::tools

#endif // DLC_TOOLS_DLRUN_PLOT_H
