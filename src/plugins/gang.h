#pragma once

// Gang scheduling, after coscheduling: a task group runs only when at least
// `min_available` of its tasks are reserved; otherwise every reservation of
// the group is undone.
//
// `GangTracker` is the plain bookkeeping (with its own tests): which
// allocations a gang holds, whether it is whole, and which gangs passed their
// Permit deadline. `GangPermit` ("gang") is the thin Permit plugin over it.
// Thread-safety: scheduler thread only.
//
//   GangTracker gangs;
//   gangs.Begin("job-1/0", /*min_available=*/4, clock.Now() + timeout);
//   gangs.Reserve("job-1/0", alloc);
//   if (!gangs.Complete("job-1/0")) for (auto a : gangs.Abort("job-1/0")) Forget(a);

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "manychip/framework/registry.h"

namespace manychip::plugins {

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

class GangPermit final : public PermitPlugin {
 public:
  explicit GangPermit(absl::Duration timeout) : timeout_(timeout) {}
  absl::string_view name() const override { return "gang"; }
  // kFit once `reserved` reaches the group's min_available, else kWait.
  Decision Permit(const CycleState& state, int32_t reserved) const override;
  absl::Duration Timeout() const override { return timeout_; }

 private:
  absl::Duration timeout_;
};
static_assert(std::is_base_of_v<PermitPlugin, GangPermit>);

// Args: timeout_seconds (default 0: a gang must be whole within one cycle).
absl::StatusOr<std::unique_ptr<Plugin>> NewGangPermit(const PluginArgs& args,
                                                      const FrameworkHandle& handle);

}  // namespace manychip::plugins
