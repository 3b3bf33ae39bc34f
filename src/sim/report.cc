#include "manychip/sim/report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "src/sim/json_writer.h"

namespace manychip::sim {
namespace {

// A colour-blind-safe palette (Okabe-Ito), cycled.
const char* Colour(size_t i) {
  static const char* kColours[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                   "#E69F00", "#56B4E9", "#000000", "#F0E442"};
  return kColours[i % 8];
}

std::string Num(double v) { return internal::FormatDouble(v, 2); }

}  // namespace

double EstimateTextWidth(const std::string& text, double font_size) {
  // Advance widths of common sans-serif faces (DejaVu Sans, Liberation Sans),
  // rounded up: narrow punctuation, digits and lower case, then wide capitals.
  double em = 0;
  for (unsigned char c : text) {
    if (c == ' ' || c == '.' || c == ',' || c == ':' || c == 'i' || c == 'l' || c == 'j' ||
        c == '(' || c == ')' || c == '|' || c == '\'' || c == 'f' || c == 't' || c == 'r') {
      em += 0.42;
    } else if (c == 'm' || c == 'w' || c == 'M' || c == 'W' || c == '%' || c == '@') {
      em += 1.0;
    } else if (c >= 'A' && c <= 'Z') {
      em += 0.78;
    } else {
      em += 0.66;  // digits, the rest of lower case, '-', '_' and bytes of UTF-8
    }
  }
  return em * font_size;
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// The opening <svg> element of a `width` x `height` chart and its centred
// bold title; both chart kinds start the same way.
std::string SvgOpen(double width, double height, const std::string& title) {
  std::string svg = absl::StrFormat(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
      "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
      static_cast<int>(width), static_cast<int>(height), static_cast<int>(width),
      static_cast<int>(height));
  absl::StrAppend(&svg, "<text x=\"", Num(width / 2),
                  "\" y=\"18\" text-anchor=\"middle\" font-weight=\"bold\">", HtmlEscape(title),
                  "</text>\n");
  return svg;
}

std::string SvgLineChart(const std::string& title, const std::string& x_label,
                         const std::string& y_label, const std::vector<Series>& series) {
  constexpr double kW = 720, kH = 360, kL = 60, kR = 150, kT = 30, kB = 45;
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const Series& s : series) {
    for (double v : s.x) x0 = std::min(x0, v), x1 = std::max(x1, v);
    for (double v : s.y) y0 = std::min(y0, v), y1 = std::max(y1, v);
  }
  if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  const double pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  auto px = [&](double x) { return kL + (x - x0) / (x1 - x0) * (kW - kL - kR); };
  auto py = [&](double y) { return kH - kB - (y - y0) / (y1 - y0) * (kH - kT - kB); };
  std::string svg = SvgOpen(kW, kH, title);
  // Axes and ticks.
  absl::StrAppend(&svg, "<line x1=\"", Num(kL), "\" y1=\"", Num(kH - kB), "\" x2=\"", Num(kW - kR),
                  "\" y2=\"", Num(kH - kB), "\" stroke=\"#333\"/>\n");
  absl::StrAppend(&svg, "<line x1=\"", Num(kL), "\" y1=\"", Num(kT), "\" x2=\"", Num(kL),
                  "\" y2=\"", Num(kH - kB), "\" stroke=\"#333\"/>\n");
  // As many x ticks (at most 5 intervals) as fit with a label's width between them.
  const double tick_w = std::max(EstimateTextWidth(Num(x0), 12), EstimateTextWidth(Num(x1), 12));
  int x_ticks = 5;
  while (x_ticks > 1 && (kW - kL - kR) / x_ticks < tick_w + 12) --x_ticks;
  for (int i = 0; i <= x_ticks; ++i) {
    const double xv = x0 + (x1 - x0) * i / x_ticks;
    absl::StrAppend(&svg, "<text class=\"x-label\" x=\"", Num(px(xv)), "\" y=\"", Num(kH - kB + 15),
                    "\" text-anchor=\"middle\">", Num(xv), "</text>\n");
  }
  for (int i = 0; i <= 5; ++i) {
    const double yv = y0 + (y1 - y0) * i / 5;
    absl::StrAppend(&svg, "<text x=\"", Num(kL - 5), "\" y=\"", Num(py(yv) + 4),
                    "\" text-anchor=\"end\">", Num(yv), "</text>\n");
    absl::StrAppend(&svg, "<line x1=\"", Num(kL), "\" y1=\"", Num(py(yv)), "\" x2=\"", Num(kW - kR),
                    "\" y2=\"", Num(py(yv)), "\" stroke=\"#eee\"/>\n");
  }
  absl::StrAppend(&svg, "<text x=\"", Num((kL + kW - kR) / 2), "\" y=\"", Num(kH - 8),
                  "\" text-anchor=\"middle\">", HtmlEscape(x_label), "</text>\n");
  absl::StrAppend(&svg, "<text x=\"14\" y=\"", Num((kT + kH - kB) / 2),
                  "\" text-anchor=\"middle\" transform=\"rotate(-90 14 ", Num((kT + kH - kB) / 2),
                  ")\">", HtmlEscape(y_label), "</text>\n");
  for (size_t i = 0; i < series.size(); ++i) {
    const Series& s = series[i];
    std::string points;
    for (size_t k = 0; k < s.x.size() && k < s.y.size(); ++k) {
      absl::StrAppend(&points, k == 0 ? "" : " ", Num(px(s.x[k])), ",", Num(py(s.y[k])));
    }
    absl::StrAppend(&svg, "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"", Colour(i),
                    "\" points=\"", points, "\"/>\n");
    const double ly = kT + 16.0 * static_cast<double>(i);
    absl::StrAppend(&svg, "<line x1=\"", Num(kW - kR + 10), "\" y1=\"", Num(ly), "\" x2=\"",
                    Num(kW - kR + 30), "\" y2=\"", Num(ly), "\" stroke=\"", Colour(i),
                    "\" stroke-width=\"3\"/>\n");
    absl::StrAppend(&svg, "<text x=\"", Num(kW - kR + 35), "\" y=\"", Num(ly + 4), "\">",
                    HtmlEscape(s.name), "</text>\n");
  }
  svg += "</svg>\n";
  return svg;
}

std::string SvgBarChart(const std::string& title, const std::string& y_label,
                        const std::vector<std::pair<std::string, double>>& bars) {
  // Sized to the data: each bar's slot is as wide as its widest label, up to
  // kMaxW in all (the report's 60em column); past that the labels turn to
  // kAngle degrees and the bottom margin grows to hold the longest.
  constexpr double kH0 = 250, kLeft = 60, kR = 10, kT = 30, kMinW = 360, kMaxW = 900;
  constexpr double kFont = 12, kAngle = 40;
  const double n = std::max<double>(1, static_cast<double>(bars.size()));
  double ymax = 0, label_w = 0, value_w = 0;
  for (const auto& [name, v] : bars) {
    ymax = std::max(ymax, v);
    label_w = std::max(label_w, EstimateTextWidth(name, kFont));
    value_w = std::max(value_w, EstimateTextWidth(Num(v), kFont));
  }
  if (ymax <= 0) ymax = 1;
  ymax *= 1.15;
  double slot = std::max(label_w, value_w) + 12;
  const bool rotate = kLeft + kR + n * slot > kMaxW;
  if (rotate) {
    // Rotated labels are kFont + 2 apart across their baselines when slots are
    // (kFont + 2) / sin(angle) wide; values still need their own width.
    const double min_slot =
        std::max((kFont + 2) / std::sin(kAngle * std::numbers::pi / 180), value_w + 6);
    slot = std::max(min_slot, (kMaxW - kLeft - kR) / n);
  }
  // A rotated label hangs down and to the left of its bar: the first one must
  // not leave the chart.
  const double cos_a = std::cos(kAngle * std::numbers::pi / 180);
  const double kL = rotate ? std::max(kLeft, label_w * cos_a - slot * 0.5 + 4) : kLeft;
  const double kW = std::max(kMinW, kL + kR + n * slot);
  const double label_drop =
      rotate ? label_w * std::sin(kAngle * std::numbers::pi / 180) + kFont : kFont;
  const double kB = 20 + label_drop, kH = kH0 + label_drop;
  std::string svg = SvgOpen(kW, kH, title);
  absl::StrAppend(&svg, "<text x=\"14\" y=\"", Num((kT + kH - kB) / 2),
                  "\" text-anchor=\"middle\" transform=\"rotate(-90 14 ", Num((kT + kH - kB) / 2),
                  ")\">", HtmlEscape(y_label), "</text>\n");
  for (size_t i = 0; i < bars.size(); ++i) {
    const double h = bars[i].second / ymax * (kH - kT - kB);
    const double x = kL + slot * static_cast<double>(i) + slot * 0.15;
    const double cx = x + slot * 0.35;
    absl::StrAppend(&svg, "<rect x=\"", Num(x), "\" y=\"", Num(kH - kB - h), "\" width=\"",
                    Num(slot * 0.7), "\" height=\"", Num(h), "\" fill=\"", Colour(i), "\"/>\n");
    absl::StrAppend(&svg, "<text class=\"bar-value\" x=\"", Num(cx), "\" y=\"",
                    Num(kH - kB - h - 4), "\" text-anchor=\"middle\">", Num(bars[i].second),
                    "</text>\n");
    const double ly = kH - kB + 16;
    if (rotate) {
      absl::StrAppend(&svg, "<text class=\"x-label\" x=\"", Num(cx), "\" y=\"", Num(ly),
                      "\" text-anchor=\"end\" transform=\"rotate(-", Num(kAngle), " ", Num(cx), " ",
                      Num(ly), ")\">", HtmlEscape(bars[i].first), "</text>\n");
    } else {
      absl::StrAppend(&svg, "<text class=\"x-label\" x=\"", Num(cx), "\" y=\"", Num(ly),
                      "\" text-anchor=\"middle\">", HtmlEscape(bars[i].first), "</text>\n");
    }
  }
  absl::StrAppend(&svg, "<line x1=\"", Num(kL), "\" y1=\"", Num(kH - kB), "\" x2=\"", Num(kW - kR),
                  "\" y2=\"", Num(kH - kB), "\" stroke=\"#333\"/>\n");
  svg += "</svg>\n";
  return svg;
}

absl::Status WriteReportFile(const std::string& dir, const std::string& name,
                             const std::string& text) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat(dir, ": cannot create: ", ec.message()));
  const std::string path = absl::StrCat(dir, "/", name);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return absl::UnavailableError(absl::StrCat(path, ": cannot open for writing"));
  out << text;
  out.close();
  if (!out) return absl::UnavailableError(absl::StrCat(path, ": write failed"));
  return absl::OkStatus();
}

absl::Status WriteOpenbReport(const std::string& dir,
                              const std::vector<OpenbPolicyResult>& results) {
  std::vector<Series> curves;
  std::vector<std::pair<std::string, double>> bars;
  std::string summary =
      "policy,unallocated_gpu_pct_at_100,unallocated_gpu_pct_at_130,"
      "frag_ratio_pct_at_100,seeds\n";
  std::string seed_rows;
  for (const OpenbPolicyResult& r : results) {
    Series s{r.policy, {}, {}};
    std::string csv = "arrived_pct,alloc_pct\n";
    for (size_t k = 0; k < r.curve_arrived_pct.size(); ++k) {
      s.x.push_back(r.curve_arrived_pct[k]);
      s.y.push_back(r.curve_alloc_pct[k]);
      absl::StrAppend(&csv, r.curve_arrived_pct[k], ",",
                      internal::FormatDouble(r.curve_alloc_pct[k], 4), "\n");
    }
    MC_RETURN_IF_ERROR(WriteReportFile(dir, absl::StrCat("curve_", r.policy, ".csv"), csv));
    curves.push_back(std::move(s));
    bars.emplace_back(r.policy, r.unallocated_at_100);
    absl::StrAppend(&summary, r.policy, ",", internal::FormatDouble(r.unallocated_at_100, 4), ",",
                    internal::FormatDouble(r.unallocated_at_130, 4), ",",
                    internal::FormatDouble(r.frag_ratio_at_100, 4), ",", r.seeds.size(), "\n");
    for (const OpenbSeedResult& seed : r.seeds) {
      absl::StrAppend(&seed_rows, "<tr><td>", HtmlEscape(r.policy), "</td><td>", seed.seed,
                      "</td><td>", internal::FormatDouble(seed.unallocated_gpu_pct_at_100, 2),
                      "</td><td>", internal::FormatDouble(seed.unallocated_gpu_pct_at_130, 2),
                      "</td><td>", seed.failed, "</td></tr>\n");
    }
  }
  MC_RETURN_IF_ERROR(WriteReportFile(dir, "summary.csv", summary));
  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>manychip-sim openb</title>"
      "<style>body{font-family:sans-serif;margin:2em;max-width:60em}"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;"
      "text-align:right}</style></head><body>\n"
      "<h1>openb: GPU allocation against arrived demand</h1>\n"
      "<p>The FGD paper's protocol (shuffled arrivals, inflated to the tuned demand, no "
      "departures). Ideal allocation equals arrived demand up to 100%.</p>\n";
  absl::StrAppend(&html, SvgLineChart("GPU allocation vs arrived GPU demand",
                                      "arrived GPU demand (% of capacity)",
                                      "allocated GPU (% of capacity)", curves));
  absl::StrAppend(&html, SvgBarChart("Unallocated GPU % at 100% arrival (lower is better)",
                                     "unallocated GPU %", bars));
  absl::StrAppend(&html,
                  "<h2>Per seed</h2>\n<table><tr><th>policy</th><th>seed</th>"
                  "<th>unallocated % at 100</th><th>at 130</th><th>failed pods</th></tr>\n",
                  seed_rows,
                  "</table>\n<p>Series as CSV: summary.csv, curve_&lt;policy&gt;.csv.</p>"
                  "\n</body></html>\n");
  return WriteReportFile(dir, "index.html", html);
}

}  // namespace manychip::sim
