#pragma once

// InternTable<T> keeps one shared, immutable copy of each distinct
// `std::vector<T>` that ClusterState's nodes hold (their device tables, their
// CPU feature lists): `Intern` returns the SharedVector already held for an
// equal table, or adopts the new one; `Release` drops a holder's copy and
// forgets the table once no holder that got it from `Intern` is left. Copies
// made elsewhere (a caller copying a NodeSpec) keep their table alive but do
// not keep it in the table: holders are counted here, not by use_count.
//
// Lookup is by content hash (absl::Hash of the elements) then equality, so
// equal tables always meet; the map is never iterated to decide anything.
//
// Thread-safety: not thread-safe; owned by ClusterState.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "manychip/core/shared_vector.h"

namespace manychip::internal {

template <typename T>
class InternTable {
 public:
  using Table = typename SharedVector<T>::Table;

  SharedVector<T> Intern(Table table) {
    if (table.empty()) return SharedVector<T>();
    table.shrink_to_fit();
    std::vector<Entry>& bucket = buckets_[absl::Hash<Table>{}(table)];
    for (Entry& e : bucket) {
      if (e.table.table() == table) {
        ++e.holders;
        return e.table;
      }
    }
    bucket.push_back(Entry{SharedVector<T>(std::move(table)), 1});
    return bucket.back().table;
  }

  void Release(SharedVector<T>& v) {
    if (v.empty()) return;
    auto it = buckets_.find(absl::Hash<Table>{}(v.table()));
    if (it != buckets_.end()) {
      std::vector<Entry>& bucket = it->second;
      for (size_t i = 0; i < bucket.size(); ++i) {
        if (!bucket[i].table.SharesTableWith(v)) continue;
        if (--bucket[i].holders == 0) bucket.erase(bucket.begin() + static_cast<long>(i));
        break;
      }
      if (bucket.empty()) buckets_.erase(it);
    }
    v.clear();
  }

  // Distinct tables held.
  size_t size() const {
    size_t k = 0;
    for (const auto& [hash, bucket] : buckets_) k += bucket.size();  // a count: order irrelevant
    return k;
  }

  // Bytes held: the map's slots, the buckets, and each table once with its
  // shared_ptr control block (make_shared: one allocation, ~16 bytes over
  // the vector). `heap(table)` adds what the elements own.
  template <typename HeapFn>
  size_t MemoryBytes(HeapFn heap) const {
    size_t b = buckets_.capacity() * (sizeof(size_t) + sizeof(std::vector<Entry>) + 1);
    for (const auto& [hash, bucket] : buckets_) {  // sums only: order irrelevant
      b += bucket.capacity() * sizeof(Entry);
      for (const Entry& e : bucket) {
        b += 16 + sizeof(Table) + e.table.table().capacity() * sizeof(T) + heap(e.table.table());
      }
    }
    return b;
  }

 private:
  struct Entry {
    SharedVector<T> table;
    int64_t holders = 0;  // Intern calls not yet Released
  };
  absl::flat_hash_map<size_t, std::vector<Entry>> buckets_;
};

}  // namespace manychip::internal
