#pragma once

// Integer resource quantities. No floating point ever enters accounting.
//
//   MilliDevices half = MilliDevices::FromRaw(500);           // half a card
//   MC_ASSIGN_OR_RETURN(MilliDevices total, CheckedAdd(half, half));
//   MiB mem = MiB::FromRaw(81920);
//
// Plain `+`/`-` are for values already known to be in range (they check in
// debug builds); anything derived from input goes through CheckedAdd/CheckedSub,
// which return InvalidArgument on overflow or a negative result.

#include <compare>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "manychip/status.h"

namespace manychip {

template <class Tag>
class Quantity {
 public:
  constexpr Quantity() = default;
  static constexpr Quantity FromRaw(int64_t v) { return Quantity(v); }
  static constexpr Quantity Zero() { return Quantity(0); }

  constexpr int64_t raw() const { return v_; }
  constexpr bool is_zero() const { return v_ == 0; }

  constexpr auto operator<=>(const Quantity&) const = default;

  constexpr Quantity operator+(Quantity o) const { return Quantity(v_ + o.v_); }
  constexpr Quantity operator-(Quantity o) const { return Quantity(v_ - o.v_); }
  constexpr Quantity& operator+=(Quantity o) {
    v_ += o.v_;
    return *this;
  }
  constexpr Quantity& operator-=(Quantity o) {
    v_ -= o.v_;
    return *this;
  }
  constexpr Quantity operator*(int64_t k) const { return Quantity(v_ * k); }

  template <typename H>
  friend H AbslHashValue(H h, Quantity q) {
    return H::combine(std::move(h), q.v_);
  }

 private:
  constexpr explicit Quantity(int64_t v) : v_(v) {}
  int64_t v_ = 0;
};

// 1000 milli-devices are one whole card; fractions are shares of one card.
using MilliDevices = Quantity<struct MilliDevicesTag>;
// 1000 milli-CPU are one core.
using MilliCpu = Quantity<struct MilliCpuTag>;
// Host or device memory in mebibytes.
using MiB = Quantity<struct MiBTag>;

inline constexpr int64_t kMilliPerDevice = 1000;

// Returns a + b, or InvalidArgument if it overflows int64 or is negative.
template <class Tag>
absl::StatusOr<Quantity<Tag>> CheckedAdd(Quantity<Tag> a, Quantity<Tag> b) {
  int64_t out;
  if (__builtin_add_overflow(a.raw(), b.raw(), &out)) {
    return absl::InvalidArgumentError(absl::StrCat("quantity overflow: ", a.raw(), " + ", b.raw()));
  }
  if (out < 0) {
    return absl::InvalidArgumentError(absl::StrCat("negative quantity: ", a.raw(), " + ", b.raw()));
  }
  return Quantity<Tag>::FromRaw(out);
}

// Returns a - b, or InvalidArgument if the result would be negative.
template <class Tag>
absl::StatusOr<Quantity<Tag>> CheckedSub(Quantity<Tag> a, Quantity<Tag> b) {
  int64_t out;
  if (__builtin_sub_overflow(a.raw(), b.raw(), &out) || out < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("quantity would go negative: ", a.raw(), " - ", b.raw()));
  }
  return Quantity<Tag>::FromRaw(out);
}

// Returns a * k, or InvalidArgument on overflow or a negative factor.
template <class Tag>
absl::StatusOr<Quantity<Tag>> CheckedMul(Quantity<Tag> a, int64_t k) {
  int64_t out;
  if (k < 0 || __builtin_mul_overflow(a.raw(), k, &out)) {
    return absl::InvalidArgumentError(absl::StrCat("quantity overflow: ", a.raw(), " * ", k));
  }
  return Quantity<Tag>::FromRaw(out);
}

// The resources a task or a node has, as one value.
struct ResourceVector {
  MilliCpu cpu;
  MiB memory;
  constexpr auto operator<=>(const ResourceVector&) const = default;
};

}  // namespace manychip
