#include "src/sim/openb_metrics.h"

#include <cmath>

namespace manychip::sim {

int ArrivedPercent(int64_t part, int64_t whole) {
  return static_cast<int>(
      std::nearbyint(100.0 * static_cast<double>(part) / static_cast<double>(whole)));
}

double RoundedPercent(int64_t part, int64_t whole) {
  // Scale in integers first so 2-decimal rounding is exact: percent x 100.
  const double hundredths =
      std::nearbyint(10000.0 * static_cast<double>(part) / static_cast<double>(whole));
  return hundredths / 100.0;
}

void BinnedSeries::Record(int x, double value) {
  Bin& b = bins_[x];
  b.sum += value;
  ++b.count;
}

std::optional<double> BinnedSeries::MeanAt(int x) const {
  auto it = bins_.find(x);
  if (it != bins_.end()) return it->second.sum / static_cast<double>(it->second.count);
  double sum = 0;
  int64_t count = 0;
  for (int d : {-1, 1}) {
    auto w = bins_.find(x + d);
    if (w == bins_.end()) continue;
    sum += w->second.sum;
    count += w->second.count;
  }
  if (count == 0) return std::nullopt;
  return sum / static_cast<double>(count);
}

std::vector<int> BinnedSeries::Xs() const {
  std::vector<int> xs;
  xs.reserve(bins_.size());
  for (const auto& [x, b] : bins_) xs.push_back(x);
  return xs;
}

}  // namespace manychip::sim
