#pragma once

// What NVML reports, as plain values, and the pure mapping from it to an
// inventory. The dlopen side (nvml_library.cc) only fills NvmlSnapshot, so
// this mapping is tested with fake NVML results on machines without a GPU.
//
//   MC_ASSIGN_OR_RETURN(DiscoveredDevices d, NvmlToInventory(snapshot, catalog));
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "manychip/adapters/device_adapter.h"

namespace manychip::nvidia {

struct NvmlGpu {
  std::string uuid;  // "GPU-..."
  std::string name;  // "NVIDIA H100 80GB HBM3"
  uint64_t memory_total_bytes = 0;
  std::string pci_bus_id;      // as NVML prints it ("00000000:1B:00.0")
  uint32_t pci_device_id = 0;  // NVML pciDeviceId: device << 16 | vendor
  int32_t numa_node = -1;
  int32_t cc_major = 0;
  int32_t cc_minor = 0;
  bool healthy = true;
  std::string health_reason;  // e.g. "xid 79"
};

// NVML topology level between two GPUs (nvmlGpuTopologyLevel_t values).
enum class NvmlTopoLevel : int32_t {
  kInternal = 0,
  kSingle = 10,
  kMultiple = 20,
  kHostBridge = 30,
  kNode = 40,
  kSystem = 50,
};

struct NvmlPair {
  NvmlTopoLevel level = NvmlTopoLevel::kSystem;
  bool nvlink_p2p = false;  // NVML reports NVLink P2P as OK between the pair
  int32_t nvlinks = 0;      // direct links counted to the peer, 0 if via NVSwitch/unknown
};

struct NvmlSnapshot {
  std::string driver_version;                // "550.54.15"
  int32_t cuda_driver_version = 0;           // 12040 = CUDA 12.4
  std::vector<NvmlGpu> gpus;                 // NVML index order
  std::vector<std::vector<NvmlPair>> pairs;  // [i][j], square of gpus.size()
};

// Maps the snapshot: catalog model by NVML name (catalog aliases) or PCI
// device id; memory in MiB; link classes per pair; board "hgx-8" when 8 GPUs
// all reach each other over NVLink, else "pcie"; software "nvidia-driver" and
// "cuda" (the newest CUDA the driver supports). A GPU no catalog model knows
// is InvalidArgument naming it, so the operator adds it to the catalog rather
// than the node silently losing a card.
absl::StatusOr<DiscoveredDevices> NvmlToInventory(const NvmlSnapshot& snapshot,
                                                  const Catalog& catalog);

// Whether an XID event marks the GPU unhealthy. Like the NVIDIA device
// plugin, application-caused XIDs (13, 31, 43, 45, 68, 109) do not.
bool XidMarksUnhealthy(uint64_t xid);

// Minimum driver branch for a CUDA major version (11 -> 450, 12 -> 525,
// 13 -> 580), or 0 if unknown.
int32_t MinDriverForCuda(int32_t cuda_major);

// MIG profiles of a model (by catalog id/name; HAMi allowlist, docs/design/vendors.md
// §3.1), shares in milli-devices of 7 slices rounded down.
std::vector<PartitionProfileSpec> MigProfiles(const DeviceModelSpec& model);

}  // namespace manychip::nvidia
