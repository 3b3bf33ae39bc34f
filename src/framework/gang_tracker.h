#pragma once

// GangTracker: the framework's bookkeeping of gangs within one attempt,
// after coscheduling: which allocations a gang (one task group) holds,
// whether it has reached min_available, and which gangs passed their
// deadline. The scheduler reserves through it while it places a group and
// asks the profile's Permit plugins (`gang`) whether the group may bind; the
// tracker itself decides nothing.
//
// Thread-safety: not thread-safe; the scheduler's owner thread only.
//
//   GangTracker gangs;
//   gangs.Begin("job-1/0", /*min_available=*/4, clock.Now() + timeout);
//   gangs.Reserve("job-1/0", alloc);
//   if (!gangs.Complete("job-1/0")) for (auto a : gangs.Abort("job-1/0")) Forget(a);

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "manychip/core/cluster_state.h"

namespace manychip::internal {

class GangTracker {
 public:
  // Starts a gang; FailedPrecondition-free: beginning an existing key resets it.
  void Begin(const std::string& key, int32_t min_available, absl::Time deadline);
  // Records one reserved allocation; false if the gang is unknown.
  bool Reserve(const std::string& key, AllocationId allocation);
  bool Contains(const std::string& key) const { return gangs_.contains(key); }
  int32_t Reserved(const std::string& key) const;
  bool Complete(const std::string& key) const;
  // The gang is permitted: stop tracking, return its allocations.
  std::vector<AllocationId> Finish(const std::string& key);
  // The gang failed: stop tracking, return the allocations to unreserve.
  std::vector<AllocationId> Abort(const std::string& key);
  // Gangs whose deadline is <= now and still incomplete, in key order; each
  // is dropped, its allocations appended to `unreserve`.
  std::vector<std::string> Expire(absl::Time now, std::vector<AllocationId>& unreserve);
  size_t size() const { return gangs_.size(); }

 private:
  struct Gang {
    int32_t min_available = 1;
    absl::Time deadline;
    std::vector<AllocationId> allocations;
  };
  std::map<std::string, Gang> gangs_;  // ordered: deterministic expiry order
};

}  // namespace manychip::internal
