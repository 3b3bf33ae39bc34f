#pragma once

// Decision: what a plugin says about one task on one node (or about the task
// as a whole). "Does not fit" is a Decision, never an error status: an
// absl::Status from a plugin means something is genuinely broken.
//
// RejectReason codes are stable (explain counts by them, the API exports
// them); append new codes at the end, never renumber.
//
//   if (free_cards < want) {
//     return Decision::Unschedulable(RejectReason::kInsufficientDevices,
//                                    absl::StrCat("want ", want, " cards"));
//   }
//   return Decision::Fit();

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace manychip {

enum class Verdict : uint8_t {
  kFit = 0,            // the task may go here (Filter) / go ahead (Permit)
  kUnschedulable = 1,  // not here now; preemption or freed capacity may help
  kUnresolvable = 2,   // not here ever (arch, model): preemption cannot help
  kWait = 3,           // Permit only: hold the reservation until the gang is whole
  kSkip = 4,           // PreFilter/PreScore: this plugin has nothing to do for the task
};

enum class RejectReason : uint16_t {
  kNone = 0,
  kArchMismatch = 1,      // host arch not accepted / no image for it
  kModelNotAccepted = 2,  // node's device model is not in the flavor
  kInsufficientCpu = 3,
  kInsufficientMemory = 4,
  kInsufficientDevices = 5,  // not enough free whole cards
  kInsufficientShare = 6,    // no device with the fractional share free
  kInsufficientDeviceMemory = 7,
  kNoLinkGroup = 8,   // enough cards but no legal connected set
  kStackMissing = 9,  // software stack absent or too old
  kTaint = 10,        // untolerated taint
  kNodeNotReady = 11,
  kNodeUnschedulable = 12,  // cordoned / draining
  kUnhealthyDevices = 13,
  kTopologyDomain = 14,      // outside the gang's cluster-topology domain
  kQuotaExceeded = 15,       // tenant max quota
  kGangIncomplete = 16,      // fewer than min_available tasks could be placed
  kBackfillBlocked = 17,     // would delay the reserved head-of-line gang
  kIllegalDeviceCount = 18,  // the board never hands out this many together
  kUnsupported = 19,         // e.g. fractional share on a vendor without sharing
  kSpread = 20,              // inference replica spreading (hard limit)
  kPluginError = 21,         // a plugin returned an error status
};

// Short stable name for explain output: "insufficient whole cards", "CPU".
absl::string_view RejectReasonName(RejectReason reason);
// Machine-readable identifier: "INSUFFICIENT_DEVICES".
absl::string_view RejectReasonCode(RejectReason reason);
inline constexpr int kRejectReasonCount = 22;

struct Decision {
  Verdict verdict = Verdict::kFit;
  RejectReason reason = RejectReason::kNone;
  std::string detail;  // short, optional; not used for counting

  static Decision Fit() { return Decision{}; }
  static Decision Skip() { return Decision{Verdict::kSkip, RejectReason::kNone, {}}; }
  static Decision Wait() { return Decision{Verdict::kWait, RejectReason::kNone, {}}; }
  static Decision Unschedulable(RejectReason r, std::string detail = {}) {
    return Decision{Verdict::kUnschedulable, r, std::move(detail)};
  }
  static Decision Unresolvable(RejectReason r, std::string detail = {}) {
    return Decision{Verdict::kUnresolvable, r, std::move(detail)};
  }
  bool fit() const { return verdict == Verdict::kFit || verdict == Verdict::kSkip; }
};

}  // namespace manychip
