#pragma once

// The FGD paper's allocation-against-arrival metric (docs/design/fgd-protocol.md 4.3):
// after every arrival event, the arrived GPU demand and the allocated GPU
// share, both as a percent of capacity; the curve value at integer x is the
// mean allocation over events whose rounded arrival percent is x, widened to
// x +- 1 when no event falls on x. `BinnedSeries` does the binning for any
// per-event value (allocation, fragmentation ratio).
//
// Thread-safety: not thread-safe; one per simulation run.
//
//   BinnedSeries alloc;
//   alloc.Record(ArrivedPercent(arrived, cap), RoundedPercent(used, cap));
//   std::optional<double> at100 = alloc.MeanAt(100);

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace manychip::sim {

// round(100 * part / whole) as an integer percent (ties to even, as Python's
// round() that the paper's analysis uses). whole > 0.
int ArrivedPercent(int64_t part, int64_t whole);
// round(100 * part / whole, 2), ties to even. whole > 0.
double RoundedPercent(int64_t part, int64_t whole);

class BinnedSeries {
 public:
  void Record(int x, double value);
  // Mean at x, or over x-1..x+1 when no event fell on x; nullopt when none did.
  std::optional<double> MeanAt(int x) const;
  // The x values that have events, ascending.
  std::vector<int> Xs() const;
  bool empty() const { return bins_.empty(); }

 private:
  struct Bin {
    double sum = 0;
    int64_t count = 0;
  };
  std::map<int, Bin> bins_;
};

}  // namespace manychip::sim
