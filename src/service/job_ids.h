#pragma once

// JobIdSequence: the ids the daemon assigns to jobs submitted without one.
//
// An admin (or open-mode) caller gets "job-NNNNNN" from one daemon-wide
// counter. A tenant gets "<tenant>.job-NNNNNN" from a counter of its own, so
// the number it sees tells it only how many jobs it submitted itself, never
// how busy the rest of the pool is (issue 14, item 7), and the id sits in the
// tenant's namespace like the ids tenants choose (server.cc, TenantJobId).
//
// Counters survive a restart: Observe() every stored id and each counter
// resumes past the highest number it had handed out.
//
// Thread-safety: none; the controller thread owns it.

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "absl/strings/string_view.h"

namespace manychip::internal {

class JobIdSequence {
 public:
  // Learns a stored id, so Next() never hands it out again. Ids of other
  // shapes (chosen by their submitter) are ignored.
  void Observe(absl::string_view id);

  // The next id for `tenant` ("" for the daemon-wide sequence) for which
  // `taken` is false.
  std::string Next(const std::string& tenant, const std::function<bool(const std::string&)>& taken);

 private:
  std::map<std::string, int64_t, std::less<>> next_;  // tenant -> next number
};

}  // namespace manychip::internal
