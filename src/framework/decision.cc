#include "manychip/framework/decision.h"

namespace manychip {

absl::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kNone:
      return "none";
    case RejectReason::kArchMismatch:
      return "arch mismatch";
    case RejectReason::kModelNotAccepted:
      return "model not accepted";
    case RejectReason::kInsufficientCpu:
      return "CPU";
    case RejectReason::kInsufficientMemory:
      return "memory";
    case RejectReason::kInsufficientDevices:
      return "insufficient whole cards";
    case RejectReason::kInsufficientShare:
      return "insufficient card share";
    case RejectReason::kInsufficientDeviceMemory:
      return "device memory";
    case RejectReason::kNoLinkGroup:
      return "no legal device group";
    case RejectReason::kStackMissing:
      return "software stack";
    case RejectReason::kTaint:
      return "untolerated taint";
    case RejectReason::kNodeNotReady:
      return "node not ready";
    case RejectReason::kNodeUnschedulable:
      return "node cordoned";
    case RejectReason::kUnhealthyDevices:
      return "unhealthy devices";
    case RejectReason::kTopologyDomain:
      return "outside topology domain";
    case RejectReason::kQuotaExceeded:
      return "tenant quota";
    case RejectReason::kGangIncomplete:
      return "gang incomplete";
    case RejectReason::kBackfillBlocked:
      return "would delay reserved job";
    case RejectReason::kIllegalDeviceCount:
      return "illegal device count";
    case RejectReason::kUnsupported:
      return "unsupported request";
    case RejectReason::kSpread:
      return "spread limit";
    case RejectReason::kPluginError:
      return "plugin error";
  }
  return "unknown";
}

absl::string_view RejectReasonCode(RejectReason reason) {
  switch (reason) {
    case RejectReason::kNone:
      return "NONE";
    case RejectReason::kArchMismatch:
      return "ARCH_MISMATCH";
    case RejectReason::kModelNotAccepted:
      return "MODEL_NOT_ACCEPTED";
    case RejectReason::kInsufficientCpu:
      return "INSUFFICIENT_CPU";
    case RejectReason::kInsufficientMemory:
      return "INSUFFICIENT_MEMORY";
    case RejectReason::kInsufficientDevices:
      return "INSUFFICIENT_DEVICES";
    case RejectReason::kInsufficientShare:
      return "INSUFFICIENT_SHARE";
    case RejectReason::kInsufficientDeviceMemory:
      return "INSUFFICIENT_DEVICE_MEMORY";
    case RejectReason::kNoLinkGroup:
      return "NO_LINK_GROUP";
    case RejectReason::kStackMissing:
      return "STACK_MISSING";
    case RejectReason::kTaint:
      return "TAINT";
    case RejectReason::kNodeNotReady:
      return "NODE_NOT_READY";
    case RejectReason::kNodeUnschedulable:
      return "NODE_UNSCHEDULABLE";
    case RejectReason::kUnhealthyDevices:
      return "UNHEALTHY_DEVICES";
    case RejectReason::kTopologyDomain:
      return "TOPOLOGY_DOMAIN";
    case RejectReason::kQuotaExceeded:
      return "QUOTA_EXCEEDED";
    case RejectReason::kGangIncomplete:
      return "GANG_INCOMPLETE";
    case RejectReason::kBackfillBlocked:
      return "BACKFILL_BLOCKED";
    case RejectReason::kIllegalDeviceCount:
      return "ILLEGAL_DEVICE_COUNT";
    case RejectReason::kUnsupported:
      return "UNSUPPORTED";
    case RejectReason::kSpread:
      return "SPREAD";
    case RejectReason::kPluginError:
      return "PLUGIN_ERROR";
  }
  return "UNKNOWN";
}

}  // namespace manychip
