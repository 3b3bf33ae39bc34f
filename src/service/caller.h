#pragma once

// Caller: who is calling, resolved from the request's bearer token, and
// what of the job table that caller may see.
//
// Thread-safety: a plain value.

#include <string>

namespace manychip::internal {

struct Caller {
  bool admin = false;
  std::string tenant;  // set for tenant callers

  // Admins see every job; a tenant only its own.
  bool Sees(const std::string& job_tenant) const { return admin || tenant == job_tenant; }
};

}  // namespace manychip::internal
