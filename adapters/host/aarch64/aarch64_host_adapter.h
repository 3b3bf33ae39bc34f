#pragma once

// Aarch64HostAdapter: aarch64 (arm64) hosts: Kunpeng, Yitian, Phytium,
// Ampere, Grace.
//
// Probe reads cpuinfo "Features" (reported: asimd, asimddp, asimdhp, atomics,
// bf16, i8mm, sme, sve, sve2) and names the CPU from "CPU implementer" and
// "CPU part" (0x48/0xd01 = HiSilicon Kunpeng 920; 0x41/0xd49 = Neoverse N2,
// the core of Alibaba Yitian 710, which cpuinfo cannot tell apart from other
// N2 parts). Vendor stacks for aarch64 (docs/design/vendors.md §4): nvidia, ascend,
// kunlun (older R-series images), cambricon, metax; others not found.
//
// Thread-safety: immutable; all methods const.

#include "adapters/host/host_adapter_base.h"

namespace manychip {

class Aarch64HostAdapter final : public HostAdapterBase {
 public:
  Aarch64HostAdapter()
      : HostAdapterBase(Arch::kAarch64, {"nvidia", "ascend", "kunlun", "cambricon", "metax"}) {}
  absl::StatusOr<HostInfo> Probe(const HostProbeOptions& options) const override;
};

// "HiSilicon Kunpeng 920", "ARM Neoverse N2", ... from implementer and part
// (as cpuinfo prints them, "0x48" / "0xd01"); "" if unknown.
std::string Aarch64CpuName(absl::string_view implementer, absl::string_view part);

}  // namespace manychip
