#pragma once

// NodeBitset: a growable set of node indexes, iterated in ascending order.
// The free-capacity indexes of ClusterState are made of these: membership
// tests and updates are O(1) and iteration visits set bits in index order, so
// candidate order never depends on hashing or history.
//
// Thread-safety: a plain value type.
//
//   NodeBitset s;
//   s.Set(42);
//   s.ForEachFrom(0, [](int32_t n) { ...; return true; /* continue */ });

#include <bit>
#include <cstdint>
#include <vector>

namespace manychip {

class NodeBitset {
 public:
  void Set(int32_t i) {
    Grow(i);
    words_[i >> 6] |= uint64_t{1} << (i & 63);
  }
  void Reset(int32_t i) {
    if ((i >> 6) < static_cast<int32_t>(words_.size()))
      words_[i >> 6] &= ~(uint64_t{1} << (i & 63));
  }
  bool Test(int32_t i) const {
    return (i >> 6) < static_cast<int32_t>(words_.size()) &&
           ((words_[i >> 6] >> (i & 63)) & 1) != 0;
  }
  int64_t Count() const {
    int64_t c = 0;
    for (uint64_t w : words_) c += std::popcount(w);
    return c;
  }
  bool operator==(const NodeBitset& o) const {
    size_t n = std::max(words_.size(), o.words_.size());
    for (size_t i = 0; i < n; ++i) {
      uint64_t a = i < words_.size() ? words_[i] : 0;
      uint64_t b = i < o.words_.size() ? o.words_[i] : 0;
      if (a != b) return false;
    }
    return true;
  }
  // Calls fn(index) for set bits >= start in ascending order until fn
  // returns false. Returns false if stopped early.
  template <class Fn>
  bool ForEachFrom(int32_t start, Fn&& fn) const {
    if (start < 0) start = 0;
    size_t w = static_cast<size_t>(start >> 6);
    if (w >= words_.size()) return true;
    uint64_t bits = words_[w] & (~uint64_t{0} << (start & 63));
    for (;;) {
      while (bits != 0) {
        int b = std::countr_zero(bits);
        if (!fn(static_cast<int32_t>(w * 64 + b))) return false;
        bits &= bits - 1;
      }
      if (++w >= words_.size()) return true;
      bits = words_[w];
    }
  }
  size_t MemoryBytes() const { return words_.capacity() * sizeof(uint64_t); }

 private:
  void Grow(int32_t i) {
    size_t need = static_cast<size_t>(i >> 6) + 1;
    if (words_.size() < need) words_.resize(need, 0);
  }
  std::vector<uint64_t> words_;
};

}  // namespace manychip
