#pragma once

// SharedVector<T> is a value that reads and builds like `std::vector<T>` but
// holds its elements through a copy-on-write shared pointer: copies share
// one table until one of them is written. ClusterState uses it to keep a
// single copy of data that thousands of nodes repeat (device tables, CPU
// feature lists; see device_list.h and cluster_state.h).
//
// A non-const access copies the table first when it is shared, so a shared
// table is never changed behind another holder's back. Note that on a
// non-const SharedVector even a range-for or `v[i]` read takes that path;
// read through a const reference where the table may be shared.
//
// Thread-safety: like a std::vector value. Two SharedVectors sharing a table
// may be used from different threads (the table itself is never written
// while shared).
//
//   SharedVector<std::string> a = {"avx2", "fma"};
//   SharedVector<std::string> b = a;   // shares
//   b.push_back("avx512f");            // b copies; a unchanged

#include <cstddef>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

namespace manychip {

template <typename T>
class SharedVector {
 public:
  using Table = std::vector<T>;
  using value_type = T;
  using size_type = size_t;
  using reference = T&;
  using const_reference = const T&;
  using iterator = typename Table::iterator;
  using const_iterator = typename Table::const_iterator;

  SharedVector() = default;
  // Implicit: builders assign and return plain vectors.
  SharedVector(Table items)  // NOLINT(google-explicit-constructor)
      : table_(items.empty() ? nullptr : std::make_shared<Table>(std::move(items))) {}
  SharedVector(std::initializer_list<T> items) : SharedVector(Table(items)) {}

  // Reads never copy.
  const Table& table() const { return table_ ? *table_ : Empty(); }
  operator const Table&() const { return table(); }  // NOLINT(google-explicit-constructor)
  size_t size() const { return table_ ? table_->size() : 0; }
  bool empty() const { return size() == 0; }
  const T& operator[](size_t i) const { return (*table_)[i]; }
  const T& at(size_t i) const { return table().at(i); }
  const T& front() const { return table().front(); }
  const T& back() const { return table().back(); }
  const_iterator begin() const { return table().begin(); }
  const_iterator end() const { return table().end(); }
  const_iterator cbegin() const { return table().begin(); }
  const_iterator cend() const { return table().end(); }
  const T* data() const { return table().data(); }
  bool operator==(const SharedVector& o) const { return table() == o.table(); }

  // Writes copy a shared table first.
  Table& mutable_table() { return Mutable(); }
  T& operator[](size_t i) { return Mutable()[i]; }
  T& at(size_t i) { return Mutable().at(i); }
  T& front() { return Mutable().front(); }
  T& back() { return Mutable().back(); }
  iterator begin() { return Mutable().begin(); }
  iterator end() { return Mutable().end(); }
  void push_back(T item) { Mutable().push_back(std::move(item)); }
  template <typename... Args>
  T& emplace_back(Args&&... args) {
    return Mutable().emplace_back(std::forward<Args>(args)...);
  }
  void resize(size_t n) { Mutable().resize(n); }
  void reserve(size_t n) { Mutable().reserve(n); }
  void clear() { table_.reset(); }

  // Copies of one SharedVector share its table until one of them is written.
  bool SharesTableWith(const SharedVector& other) const {
    return table_ != nullptr && table_ == other.table_;
  }
  // How many SharedVectors hold this table (0 when empty).
  long share_count() const { return table_.use_count(); }

 private:
  static const Table& Empty() {
    static const Table* const kEmpty = new Table();
    return *kEmpty;
  }
  Table& Mutable() {
    if (table_ == nullptr) {
      table_ = std::make_shared<Table>();
    } else if (table_.use_count() > 1) {
      table_ = std::make_shared<Table>(*table_);  // copy on write: others keep theirs
    }
    // Sole owner of a table created non-const (see `table_`): writing is safe.
    return const_cast<Table&>(*table_);
  }

  // Null: empty. Always created as a non-const Table, so the sole owner may
  // write through it (Mutable).
  std::shared_ptr<const Table> table_;
};

}  // namespace manychip
