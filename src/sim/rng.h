#pragma once

// The simulator's one source of randomness: a seeded std::mt19937_64 with our
// own bounded-integer and shuffle rules, because std::uniform_int_distribution
// and std::shuffle are implementation-defined and would make a figure depend
// on the standard library.

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace manychip::sim::internal {

class SimRng {
 public:
  explicit SimRng(uint64_t seed) : gen_(seed) {}

  // Uniform in [0, n), n > 0, by rejection (no modulo bias).
  uint64_t Below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do {
      v = gen_();
    } while (v >= limit);
    return v % n;
  }

  // Fisher-Yates from the back, as Go's rand.Shuffle.
  template <class T>
  void Shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(Below(i));
      std::swap(v[i - 1], v[j]);
    }
  }

  std::vector<int32_t> Permutation(int32_t n) {
    std::vector<int32_t> p(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i) p[static_cast<size_t>(i)] = i;
    Shuffle(p);
    return p;
  }

  uint64_t Next() { return gen_(); }

 private:
  std::mt19937_64 gen_;
};

}  // namespace manychip::sim::internal
