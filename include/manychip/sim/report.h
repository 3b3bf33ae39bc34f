#pragma once

// Reports a person looks at: a self-contained HTML page (inline SVG charts,
// no scripts, no external files) plus one CSV per series, written into a
// directory that is created if missing.
//
// Thread-safety: free functions.
//
//   MC_RETURN_IF_ERROR(WriteOpenbReport("out/report", results));
//   // out/report/index.html, out/report/curve_<policy>.csv, out/report/summary.csv

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "manychip/sim/openb_batch.h"

namespace manychip::sim {

// One line of a chart.
struct Series {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;
};

// An SVG line chart (<svg>...</svg>) of `series`, axes labelled; x ticks
// (class="x-label") thinned until their labels fit apart.
std::string SvgLineChart(const std::string& title, const std::string& x_label,
                         const std::string& y_label, const std::vector<Series>& series);
// An SVG bar chart of (label, value) pairs, as wide as its labels need up to
// 900 px; past that the labels are set at an angle. x-axis labels carry
// class="x-label" and values class="bar-value", for checks of the layout.
std::string SvgBarChart(const std::string& title, const std::string& y_label,
                        const std::vector<std::pair<std::string, double>>& bars);

// The width in px of `text` set in a sans-serif face at `font_size` px, rounded
// up per character, so that labels spaced by it do not touch.
double EstimateTextWidth(const std::string& text, double font_size);

// Escapes &, <, >, " for HTML text and attributes.
std::string HtmlEscape(const std::string& s);

// Writes `text` to `dir/name`, creating `dir`.
absl::Status WriteReportFile(const std::string& dir, const std::string& name,
                             const std::string& text);

// The openb report: allocation curve per policy, unallocated GPU % bars,
// per-seed table; curve_<policy>.csv and summary.csv.
absl::Status WriteOpenbReport(const std::string& dir,
                              const std::vector<OpenbPolicyResult>& results);

}  // namespace manychip::sim
