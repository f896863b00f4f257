#include "plot.h"

#include "dlc/runtime.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#ifdef DLC_DLRUN_PNG
#include "plot_font.h"
#include <png.h>
#endif

namespace dlc::tools {

Plot::Plot(std::string path) : path_(std::move(path)) {
  std::string extension = std::filesystem::path(path_).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  png_ = extension == ".png";
  if (extension != ".svg" && !png_)
    throw dlc::Error(DLC_INVALID_ARGUMENT,
                     fmt::format("--plot {}: the picture is written as .svg or .png", path_));
#ifndef DLC_DLRUN_PNG
  if (png_)
    throw dlc::Error(
        DLC_INVALID_ARGUMENT,
        fmt::format("--plot {}: this dlrun was built without libpng; use .svg", path_));
#endif
}

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

struct Color {
  uint8_t r, g, b;
  std::string hex() const { return fmt::format("#{:02x}{:02x}{:02x}", r, g, b); }
};
constexpr Color kBlack{0, 0, 0}, kFrame{0x88, 0x88, 0x88}, kGrid{0xee, 0xee, 0xee},
    kTrain{0x1f, 0x77, 0xb4}, kEval{0xd6, 0x27, 0x28};

enum class Anchor { Start, Middle, End };
enum class Style { Normal, Bold, Title };

/// What a plot draws, in pixels from the top left; SVG and PNG render it.
class Canvas {
public:
  virtual ~Canvas() = default;
  /// Text whose baseline starts, centers or ends at (x, y).
  virtual void text(double x, double y, const std::string &text, Anchor anchor, Style style) = 0;
  virtual void line(double x1, double y1, double x2, double y2, Color color, double width) = 0;
  virtual void polyline(const std::vector<std::pair<double, double>> &points, Color color,
                        double width) = 0;
  virtual void dot(double x, double y, double radius, Color color) = 0;
  void frame(double x, double y, double w, double h, Color color) {
    line(x, y, x + w, y, color, 1);
    line(x + w, y, x + w, y + h, color, 1);
    line(x + w, y + h, x, y + h, color, 1);
    line(x, y + h, x, y, color, 1);
  }
  /// The file's bytes.
  virtual std::string finish() = 0;
};

class SvgCanvas final : public Canvas {
public:
  SvgCanvas(double width, double height) {
    svg_ = fmt::format(R"(<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" )"
                       R"(font-family="sans-serif" font-size="12">)"
                       "\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n",
                       width, height);
  }
  void text(double x, double y, const std::string &text, Anchor anchor, Style style) override {
    std::string escaped;
    for (char c : text)
      escaped += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
    svg_ += fmt::format(R"(<text x="{:.1f}" y="{:.1f}"{}{}>{}</text>)"
                        "\n",
                        x, y,
                        anchor == Anchor::Middle ? R"( text-anchor="middle")"
                        : anchor == Anchor::End  ? R"( text-anchor="end")"
                                                 : "",
                        style == Style::Title  ? R"( font-size="15" font-weight="bold")"
                        : style == Style::Bold ? R"( font-weight="bold")"
                                               : "",
                        escaped);
  }
  void line(double x1, double y1, double x2, double y2, Color color, double width) override {
    svg_ += fmt::format(
        R"(<line x1="{:.1f}" x2="{:.1f}" y1="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="{}"/>)"
        "\n",
        x1, x2, y1, y2, color.hex(), width);
  }
  void polyline(const std::vector<std::pair<double, double>> &points, Color color,
                double width) override {
    std::string list;
    for (auto [x, y] : points)
      list += fmt::format("{:.1f},{:.1f} ", x, y);
    svg_ += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="{}" points="{}"/>)"
                        "\n",
                        color.hex(), width, list);
  }
  void dot(double x, double y, double radius, Color color) override {
    svg_ += fmt::format(R"(<circle cx="{:.1f}" cy="{:.1f}" r="{}" fill="{}"/>)"
                        "\n",
                        x, y, radius, color.hex());
  }
  std::string finish() override { return svg_ + "</svg>\n"; }

private:
  std::string svg_;
};

#ifdef DLC_DLRUN_PNG
/// An RGB image drawn with antialiasing (coverage from each pixel center's
/// distance to the shape) and the embedded DejaVu glyphs, encoded by libpng.
class PngCanvas final : public Canvas {
public:
  PngCanvas(double width, double height)
      : width_(static_cast<int>(std::ceil(width))), height_(static_cast<int>(std::ceil(height))),
        pixels_(static_cast<size_t>(width_) * height_ * 3, 255) {}

  void text(double x, double y, const std::string &text, Anchor anchor, Style style) override {
    if (!drawable(x) || !drawable(y))
      return;
    const plotfont::Font &font = style == Style::Normal ? plotfont::kRegular
                                 : style == Style::Bold ? plotfont::kBold
                                                        : plotfont::kTitle;
    auto glyph = [&](char c) -> const plotfont::Glyph & {
      int code = static_cast<unsigned char>(c);
      return font
          .glyphs[code >= plotfont::kFirst && code <= plotfont::kLast ? code - plotfont::kFirst
                                                                      : '?' - plotfont::kFirst];
    };
    double advance = 0;
    for (char c : text)
      advance += glyph(c).advance16 / 16.0;
    double pen = anchor == Anchor::Start    ? x
                 : anchor == Anchor::Middle ? x - advance / 2
                                            : x - advance;
    const int baseline = static_cast<int>(std::lround(y));
    for (char c : text) {
      const plotfont::Glyph &g = glyph(c);
      const int left = static_cast<int>(std::lround(pen)) + g.left, top = baseline + g.top;
      for (int row = 0; row < g.height; ++row)
        for (int col = 0; col < g.width; ++col)
          blend(left + col, top + row, kBlack,
                font.coverage[g.offset + row * g.width + col] / 255.0);
      pen += g.advance16 / 16.0;
    }
  }

  void line(double x1, double y1, double x2, double y2, Color color, double width) override {
    // Pixel centers are at +0.5: SVG's coordinates name pixel edges.
    stroke(x1 - 0.5, y1 - 0.5, x2 - 0.5, y2 - 0.5, color, width);
  }
  void polyline(const std::vector<std::pair<double, double>> &points, Color color,
                double width) override {
    for (size_t i = 1; i < points.size(); ++i)
      line(points[i - 1].first, points[i - 1].second, points[i].first, points[i].second, color,
           width);
  }
  void dot(double x, double y, double radius, Color color) override {
    if (!drawable(x) || !drawable(y))
      return;
    x -= 0.5;
    y -= 0.5;
    for (int py = static_cast<int>(y - radius - 1); py <= static_cast<int>(y + radius + 1); ++py)
      for (int px = static_cast<int>(x - radius - 1); px <= static_cast<int>(x + radius + 1); ++px)
        blend(px, py, color, std::clamp(radius + 0.5 - std::hypot(px - x, py - y), 0.0, 1.0));
  }

  std::string finish() override {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    image.width = static_cast<png_uint_32>(width_);
    image.height = static_cast<png_uint_32>(height_);
    image.format = PNG_FORMAT_RGB;
    png_alloc_size_t size = 0;
    if (!png_image_write_to_memory(&image, nullptr, &size, 0, pixels_.data(), 0, nullptr))
      throw dlc::Error(DLC_INTERNAL, fmt::format("libpng: {}", image.message));
    std::string bytes(size, '\0');
    if (!png_image_write_to_memory(&image, bytes.data(), &size, 0, pixels_.data(), 0, nullptr))
      throw dlc::Error(DLC_INTERNAL, fmt::format("libpng: {}", image.message));
    bytes.resize(size);
    return bytes;
  }

private:
  /// Whether a coordinate converts to int safely (a curve's values far
  /// beyond the plot's range would not).
  static bool drawable(double v) { return std::isfinite(v) && std::fabs(v) < 1e6; }

  void blend(int x, int y, Color color, double alpha) {
    if (x < 0 || y < 0 || x >= width_ || y >= height_ || alpha <= 0)
      return;
    uint8_t *p = &pixels_[(static_cast<size_t>(y) * width_ + x) * 3];
    const uint8_t rgb[3] = {color.r, color.g, color.b};
    for (int i = 0; i < 3; ++i)
      p[i] = static_cast<uint8_t>(std::lround(p[i] + (rgb[i] - p[i]) * std::min(alpha, 1.0)));
  }

  /// A segment `width` wide: each pixel near it is covered by how far its
  /// center lies inside the band (a distance from the segment under
  /// width / 2, softened over one pixel).
  void stroke(double x1, double y1, double x2, double y2, Color color, double width) {
    if (!drawable(x1) || !drawable(y1) || !drawable(x2) || !drawable(y2))
      return;
    const double half = width / 2, dx = x2 - x1, dy = y2 - y1, length2 = dx * dx + dy * dy;
    const int xa = static_cast<int>(std::floor(std::min(x1, x2) - half - 1));
    const int xb = static_cast<int>(std::ceil(std::max(x1, x2) + half + 1));
    const int ya = static_cast<int>(std::floor(std::min(y1, y2) - half - 1));
    const int yb = static_cast<int>(std::ceil(std::max(y1, y2) + half + 1));
    for (int py = std::max(ya, 0); py <= std::min(yb, height_ - 1); ++py)
      for (int px = std::max(xa, 0); px <= std::min(xb, width_ - 1); ++px) {
        double t =
            length2 > 0 ? std::clamp(((px - x1) * dx + (py - y1) * dy) / length2, 0.0, 1.0) : 0.0;
        double distance = std::hypot(px - (x1 + t * dx), py - (y1 + t * dy));
        blend(px, py, color, std::clamp(half + 0.5 - distance, 0.0, 1.0));
      }
  }

  int width_, height_;
  std::vector<uint8_t> pixels_;
};
#endif

} // namespace

void Plot::write(const std::string &title) const {
  int64_t maxStep = 1;
  for (const auto &[name, kinds] : series_)
    for (const auto &[kind, points] : kinds)
      for (const Point &p : points)
        maxStep = std::max(maxStep, p.step);
  const double panelHeight = kHeight + 10;
  const double height = 30 + panelHeight * static_cast<double>(order_.size());
  std::unique_ptr<Canvas> canvas;
#ifdef DLC_DLRUN_PNG
  if (png_)
    canvas = std::make_unique<PngCanvas>(kWidth, height);
#endif
  if (!canvas)
    canvas = std::make_unique<SvgCanvas>(kWidth, height);
  canvas->text(kLeft, 20, title + ": training run", Anchor::Start, Style::Title);
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
    canvas->text(x0, y0 + 25, name, Anchor::Start, Style::Bold);
    for (int i = 0; i <= 4; ++i) {
      double v = lo + (hi - lo) * i / 4, y = py(v);
      canvas->line(x0, y, x1, y, kGrid, 1);
      canvas->text(x0 - 6, y + 4, number(v), Anchor::End, Style::Normal);
      int64_t s = maxStep * i / 4;
      canvas->text(px(s), bottom + 16, std::to_string(s), Anchor::Middle, Style::Normal);
    }
    canvas->frame(x0, top, x1 - x0, bottom - top, kFrame);
    canvas->text((x0 + x1) / 2, bottom + 32, "step", Anchor::Middle, Style::Normal);
    double legend = x1 - 190;
    for (const auto &[kind, points] : kinds) {
      const Color color = kind == "eval" ? kEval : kTrain;
      std::vector<std::pair<double, double>> line;
      for (const Point &p : points)
        line.emplace_back(px(p.step), py(p.value));
      canvas->polyline(line, color, 1.5);
      if (kind == "eval")
        for (const auto &[x, y] : line)
          canvas->dot(x, y, 3, color);
      canvas->line(legend, y0 + 21, legend + 18, y0 + 21, color, 2);
      canvas->text(legend + 22, y0 + 25, kind == "eval" ? "evaluation" : "training", Anchor::Start,
                   Style::Normal);
      legend += 95;
    }
    y0 += panelHeight;
  }
  const std::string bytes = canvas->finish();
  std::string temporary = path_ + ".tmp";
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    file.flush();
    if (!file)
      throw dlc::Error(DLC_IO_ERROR, fmt::format("cannot write the plot {}: {}", temporary,
                                                 std::strerror(errno)));
  }
  std::error_code error;
  std::filesystem::rename(temporary, path_, error);
  if (error)
    throw dlc::Error(DLC_IO_ERROR,
                     fmt::format("cannot write the plot {}: {}", path_, error.message()));
}

} // namespace dlc::tools
