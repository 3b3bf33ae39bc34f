#pragma once

// X86_64HostAdapter: x86_64 (amd64) hosts: Intel, AMD, Hygon.
//
// Probe reads cpuinfo/meminfo under the proc root; on the live host
// (proc_root "/proc" on an x86_64 machine) AVX2 / AVX-512 / AMX come from
// cpuid, gated on the OS enabling their register state (XCR0), else from the
// kernel's "flags" line. Features reported (normalized, sorted): sse4_2, avx,
// avx2, fma, avx512f, avx512bw, avx512vl, avx512_vnni, avx512_bf16,
// avx512_fp16, avx_vnni, amx_tile, amx_bf16, amx_int8.
// Vendor stacks: every catalog vendor ships for x86_64.
//
// Thread-safety: immutable; all methods const.

#include "adapters/host/host_adapter_base.h"

namespace manychip {

class X86_64HostAdapter final : public HostAdapterBase {
 public:
  X86_64HostAdapter();
  absl::StatusOr<HostInfo> Probe(const HostProbeOptions& options) const override;
};

// Feature names from cpuid on the running CPU; empty off x86.
std::vector<std::string> X86FeaturesFromCpuid();

}  // namespace manychip
