#pragma once

// How the built-in policy plugins (fair_share, quota, backfill) see the
// scheduler's own state: a plugin that implements `ReadsSchedulerState` is
// handed the job table and the tenant ledger once, right after the scheduler
// creates it and before any cycle. They are private types of the core, so
// only plugins built into the library can read them.
//
// Thread-safety: scheduler thread only; both outlive the plugin.

namespace manychip::internal {

class JobTable;
class TenantLedger;

class ReadsSchedulerState {
 public:
  virtual ~ReadsSchedulerState() = default;
  virtual void AttachState(const JobTable& jobs, const TenantLedger& tenants) = 0;
};

}  // namespace manychip::internal
