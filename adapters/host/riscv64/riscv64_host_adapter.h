#pragma once

// Riscv64HostAdapter: riscv64 hosts. No accelerator software stack ships for
// riscv64 today (docs/design/vendors.md §4), so these hosts serve CPU-only tasks (data
// preparation, CPU inference): SupportsVendorStack is false for every
// vendor.
//
// Probe reads the cpuinfo "isa" string, e.g. "rv64imafdcv_zicsr_zba": the
// single-letter extensions become features ("a", "c", "d", "f", "i", "m",
// "v"), multi-letter ones keep their names ("zba", "zicsr"); the CPU name is
// "uarch" (e.g. "thead,c910") or "model name".
//
// Thread-safety: immutable; all methods const.

#include "adapters/host/host_adapter_base.h"

namespace manychip {

class Riscv64HostAdapter final : public HostAdapterBase {
 public:
  Riscv64HostAdapter() : HostAdapterBase(Arch::kRiscv64, {}) {}
  absl::StatusOr<HostInfo> Probe(const HostProbeOptions& options) const override;
};

// Features of an ISA string; InvalidArgument unless it starts with "rv64".
absl::StatusOr<std::vector<std::string>> RiscvIsaFeatures(absl::string_view isa);

}  // namespace manychip
