// The layout of the report's SVG charts: x-axis labels never overlap and stay
// inside their chart, whatever the number and length of the labels. Extents
// come from EstimateTextWidth; tests/report/ checks the same page in a browser.

#include "manychip/sim/report.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace manychip::sim {
namespace {

constexpr double kFont = 12;  // the charts' font-size

struct Label {
  double x = 0, y = 0;
  std::string anchor;
  double angle = 0;  // degrees, counter-clockwise as drawn (rotate(-a))
  std::string text;
};

double SvgWidth(const std::string& svg) {
  std::smatch m;
  EXPECT_TRUE(std::regex_search(svg, m, std::regex("<svg[^>]* width=\"([0-9.]+)\"")));
  return std::stod(m[1]);
}

std::vector<Label> XLabels(const std::string& svg) {
  static const std::regex kText(
      "<text class=\"x-label\" x=\"([-0-9.]+)\" y=\"([-0-9.]+)\" text-anchor=\"(\\w+)\""
      "(?: transform=\"rotate\\(-([0-9.]+) [^)]*\\)\")?>([^<]*)</text>");
  std::vector<Label> out;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), kText); it != std::sregex_iterator();
       ++it) {
    const std::smatch& m = *it;
    Label l;
    l.x = std::stod(m[1]);
    l.y = std::stod(m[2]);
    l.anchor = m[3];
    l.angle = m[4].matched ? std::stod(m[4]) : 0;
    l.text = m[5];
    out.push_back(std::move(l));
  }
  return out;
}

// Every pair of labels apart and every label inside [0, width].
void ExpectLabelsApart(const std::string& svg, size_t expected) {
  const std::vector<Label> labels = XLabels(svg);
  ASSERT_EQ(labels.size(), expected) << svg;
  const double width = SvgWidth(svg);
  for (size_t i = 0; i < labels.size(); ++i) {
    const Label& a = labels[i];
    const double w = EstimateTextWidth(a.text, kFont);
    const double rad = a.angle * std::numbers::pi / 180;
    // Horizontal extent of the (possibly rotated) run of text.
    double left = a.x, right = a.x;
    const double run = w * std::cos(rad);
    if (a.anchor == "middle") left -= run / 2, right += run / 2;
    if (a.anchor == "end") left -= run;
    if (a.anchor == "start") right += run;
    EXPECT_GE(left, 0) << "'" << a.text << "' leaves the chart on the left";
    EXPECT_LE(right, width) << "'" << a.text << "' leaves the chart on the right";
    if (i == 0) continue;
    const Label& b = labels[i - 1];
    ASSERT_EQ(a.angle, b.angle) << "labels of one axis share their angle";
    const double dx = a.x - b.x;
    if (a.angle == 0) {
      const double wb = EstimateTextWidth(b.text, kFont);
      EXPECT_GE(dx, (w + wb) / 2) << "'" << b.text << "' and '" << a.text << "' overlap";
    } else {
      // Parallel baselines: their distance across the text is dx * sin(angle).
      EXPECT_GE(dx * std::sin(rad), kFont) << "'" << b.text << "' and '" << a.text << "' overlap";
    }
  }
}

std::vector<std::pair<std::string, double>> VendorBars(int profiles) {
  std::vector<std::pair<std::string, double>> bars;
  for (int p = 0; p < profiles; ++p) {
    for (const char* vendor : {"nvidia", "ascend", "kunlun", "metax", "ppu", "hygon-dcu"}) {
      bars.emplace_back(absl::StrCat(vendor, " (hetero-aware-profile-", p, ")"), 12.5 * (p + 1));
    }
  }
  return bars;
}

TEST(SvgBarChart, FewShortLabelsSitLevelAndApart) {
  const std::string svg = SvgBarChart("t", "%", {{"fgd", 3.25}, {"bestfit", 4.5}});
  ExpectLabelsApart(svg, 2);
  EXPECT_EQ(XLabels(svg)[0].angle, 0);
}

TEST(SvgBarChart, PerVendorLabelsOfTwoProfilesDoNotOverlap) {
  // The run report's per-vendor charts with two profiles side by side: 12
  // labels of ~40 characters, which overlapped at a fixed 720 px.
  const std::string svg = SvgBarChart("Mean allocation per vendor, %", "%", VendorBars(2));
  ExpectLabelsApart(svg, 12);
  EXPECT_LE(SvgWidth(svg), 1400 - 2 * 32) << "wider than a 1400 px window";
}

TEST(SvgBarChart, ManyBarsStayApartByGrowingTheChart) {
  ExpectLabelsApart(SvgBarChart("t", "%", VendorBars(10)), 60);
}

TEST(SvgBarChart, LongValuesDoNotOverlapEitherWay) {
  std::vector<std::pair<std::string, double>> bars;
  for (int i = 0; i < 20; ++i) bars.emplace_back(absl::StrCat("p", i), 123456.78 + i);
  const std::string svg = SvgBarChart("t", "s", bars);
  ExpectLabelsApart(svg, 20);
  // Values sit level above their bars, one slot apart.
  static const std::regex kValue("<text class=\"bar-value\" x=\"([-0-9.]+)\"");
  std::vector<double> xs;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), kValue); it != std::sregex_iterator();
       ++it) {
    xs.push_back(std::stod((*it)[1]));
  }
  ASSERT_EQ(xs.size(), 20u);
  for (size_t i = 1; i < xs.size(); ++i) {
    EXPECT_GE(xs[i] - xs[i - 1], EstimateTextWidth("123475.78", kFont));
  }
}

TEST(SvgLineChart, WideTickLabelsAreThinnedUntilApart) {
  Series s{"a", {0, 1234567.5}, {0, 1}};
  ExpectLabelsApart(SvgLineChart("t", "x", "y", {s}), 6);  // fits at 5 intervals
  Series wide{"b", {0, 123456789012.5}, {0, 1}};
  const std::string svg = SvgLineChart("t", "x", "y", {wide});
  EXPECT_LT(XLabels(svg).size(), 6u);
  ExpectLabelsApart(svg, XLabels(svg).size());
}

}  // namespace
}  // namespace manychip::sim
