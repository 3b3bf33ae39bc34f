#pragma once

// Status helpers that abseil 20220623 does not ship.
//
//   absl::Status Load() {
//     MC_RETURN_IF_ERROR(Check());
//     MC_ASSIGN_OR_RETURN(Catalog catalog, codec::LoadCatalogFile(path));
//     ...
//   }

#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define MC_RETURN_IF_ERROR(expr)                                               \
  do {                                                                         \
    if (absl::Status mc_status_ = (expr); !mc_status_.ok()) return mc_status_; \
  } while (0)

#define MC_STATUS_CONCAT_INNER_(a, b) a##b
#define MC_STATUS_CONCAT_(a, b) MC_STATUS_CONCAT_INNER_(a, b)

// MC_ASSIGN_OR_RETURN(lhs, expr): evaluates `expr` (a StatusOr), returns its
// status if not ok, else moves the value into `lhs` (which may declare a
// variable, e.g. `auto x`).
#define MC_ASSIGN_OR_RETURN(lhs, expr) \
  MC_ASSIGN_OR_RETURN_IMPL_(MC_STATUS_CONCAT_(mc_statusor_, __LINE__), lhs, expr)
#define MC_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)     \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

namespace manychip::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* condition);
}  // namespace manychip::internal

// MC_CHECK: always on, for corruption-level invariants only. Never use it on
// agent, client or trace input: return InvalidArgument instead.
#define MC_CHECK(cond) \
  ((cond) ? (void)0 : ::manychip::internal::CheckFailed(__FILE__, __LINE__, #cond))

#ifdef NDEBUG
#define MC_DCHECK(cond) ((void)0)
#else
#define MC_DCHECK(cond) MC_CHECK(cond)
#endif
