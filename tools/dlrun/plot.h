// The picture of a training run: one panel per quantity (loss and each
// metric) against the step, training and evaluation curves in each, written
// as SVG or PNG (by the path's extension).
#ifndef DLC_TOOLS_DLRUN_PLOT_H
#define DLC_TOOLS_DLRUN_PLOT_H

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace dlc::tools {

class Plot {
public:
  /// A plot to be written to `path` (.svg or .png; anything else, or .png
  /// in a dlrun built without libpng, throws dlc::Error at once, before
  /// any training).
  explicit Plot(std::string path);

  /// Records `values` (named `names`) of kind "train" or "eval" at `step`.
  void add(const std::string &kind, int64_t step, const std::vector<std::string> &names,
           const std::vector<double> &values);
  /// Writes the picture (atomically: a temporary file renamed into place).
  void write(const std::string &title) const;

private:
  struct Point {
    int64_t step;
    double value;
  };
  std::string path_;
  bool png_ = false;
  std::vector<std::string> order_; // quantities, first seen first
  std::map<std::string, std::map<std::string, std::vector<Point>>>
      series_; // name -> kind -> points
};

} // namespace dlc::tools

#endif // DLC_TOOLS_DLRUN_PLOT_H
