#include "plot.h"

#include "dlc/runtime.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace dlc::tools {

void Plot::add(const std::string &kind, int64_t step, const std::vector<std::string> &names,
               const std::vector<double> &values) {
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    if (!std::isfinite(values[i]))
      continue;
    if (std::find(order_.begin(), order_.end(), names[i]) == order_.end())
      order_.push_back(names[i]);
    series_[names[i]][kind].push_back({step, values[i]});
  }
}

namespace {

constexpr double kWidth = 560, kHeight = 260, kLeft = 70, kRight = 20, kTop = 40, kBottom = 45;

std::string number(double v) {
  if (v != 0 && (std::fabs(v) >= 1e4 || std::fabs(v) < 1e-3))
    return fmt::format("{:.2e}", v);
  return fmt::format("{:.4g}", v);
}

} // namespace

void Plot::write(const std::string &path, const std::string &title) const {
  int64_t maxStep = 1;
  for (const auto &[name, kinds] : series_)
    for (const auto &[kind, points] : kinds)
      for (const Point &p : points)
        maxStep = std::max(maxStep, p.step);
  const double panelHeight = kHeight + 10;
  std::string svg = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" font-family="sans-serif" font-size="12">)"
      "\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      R"(<text x="{}" y="20" font-size="15" font-weight="bold">{}: training run</text>)"
      "\n",
      kWidth, 30 + panelHeight * static_cast<double>(order_.size()), kLeft, title);
  double y0 = 30;
  for (const std::string &name : order_) {
    const auto &kinds = series_.at(name);
    double lo = INFINITY, hi = -INFINITY;
    for (const auto &[kind, points] : kinds)
      for (const Point &p : points) {
        lo = std::min(lo, p.value);
        hi = std::max(hi, p.value);
      }
    if (hi - lo < 1e-12) {
      hi += 0.5;
      lo -= 0.5;
    }
    const double x0 = kLeft, x1 = kWidth - kRight, top = y0 + kTop, bottom = y0 + kHeight - kBottom;
    auto px = [&](int64_t step) { return x0 + (x1 - x0) * static_cast<double>(step) / maxStep; };
    auto py = [&](double v) { return bottom - (bottom - top) * (v - lo) / (hi - lo); };
    svg += fmt::format(R"(<text x="{}" y="{}" font-weight="bold">{}</text>)"
                       "\n",
                       x0, y0 + 25, name);
    svg += fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#888"/>)"
                       "\n",
                       x0, top, x1 - x0, bottom - top);
    for (int i = 0; i <= 4; ++i) {
      double v = lo + (hi - lo) * i / 4, y = py(v);
      svg += fmt::format(R"(<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#eee"/>)"
                         R"(<text x="{}" y="{:.1f}" text-anchor="end">{}</text>)"
                         "\n",
                         x0, x1, y, y, x0 - 6, y + 4, number(v));
      int64_t s = maxStep * i / 4;
      svg += fmt::format(R"(<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>)"
                         "\n",
                         px(s), bottom + 16, s);
    }
    svg += fmt::format(R"(<text x="{}" y="{}" text-anchor="middle">step</text>)"
                       "\n",
                       (x0 + x1) / 2, bottom + 32);
    double legend = x1 - 190;
    for (const auto &[kind, points] : kinds) {
      const char *color = kind == "eval" ? "#d62728" : "#1f77b4";
      std::string line;
      for (const Point &p : points)
        line += fmt::format("{:.1f},{:.1f} ", px(p.step), py(p.value));
      svg += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="1.5" points="{}"/>)"
                         "\n",
                         color, line);
      if (kind == "eval")
        for (const Point &p : points)
          svg += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"/>)"
                             "\n",
                             px(p.step), py(p.value), color);
      svg += fmt::format(R"(<line x1="{}" x2="{}" y1="{}" y2="{}" stroke="{}" stroke-width="2"/>)"
                         R"(<text x="{}" y="{}">{}</text>)"
                         "\n",
                         legend, legend + 18, y0 + 21, y0 + 21, color, legend + 22, y0 + 25,
                         kind == "eval" ? "evaluation" : "training");
      legend += 95;
    }
    y0 += panelHeight;
  }
  svg += "</svg>\n";
  std::string temporary = path + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file << svg;
    if (!file)
      throw dlc::Error(DLC_IO_ERROR, fmt::format("cannot write the plot {}: {}", temporary,
                                                 std::strerror(errno)));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error)
    throw dlc::Error(DLC_IO_ERROR,
                     fmt::format("cannot write the plot {}: {}", path, error.message()));
}

} // namespace dlc::tools
