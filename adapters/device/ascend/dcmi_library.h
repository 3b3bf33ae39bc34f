#pragma once

// Ascend NPUs through DCMI (`libdcmi.so`, loaded with dlopen so the build
// needs no Ascend SDK): cards, chips, chip names, health, memory, logical
// and physical ids, the driver version, and, where the library has the calls,
// each chip's PCIe bus id (dcmi_get_device_pcie_info_v2) and the link type
// between every pair of chips (dcmi_get_topo_info_by_device_id: HCCS, PCIe
// switch, host bridge, SMP). Declarations follow Huawei's public DCMI API
// reference (dcmi_interface_api.h, as shipped in Ascend/ascend-docker-runtime
// runtime/dcmi/ and the CANN driver's src/custom/include/).
//
// Not read: HCCS link bandwidth (dcmi_get_hccs_link_bandwidth_info; its
// structure was not found in a primary source), so HCCS links carry no lane
// count.
//
//   MC_ASSIGN_OR_RETURN(std::optional<DcmiSnapshot> s, ReadDcmiSnapshot("libdcmi.so"));
//
// Thread-safety: call from one thread at a time (dcmi_init is process-wide).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "manychip/core/node.h"

namespace manychip::ascend {

struct DcmiChip {
  int32_t card_id = 0;
  int32_t device_id = 0;   // chip within the card
  int32_t logic_id = -1;   // ASCEND_RT_VISIBLE_DEVICES
  int32_t phy_id = -1;     // ASCEND_VISIBLE_DEVICES, /dev/davinciN
  std::string chip_name;   // "910B3"
  uint32_t health = 0;     // dcmi_get_device_health: 0 ok, 1 minor, 2 major, 3 critical
  int64_t memory_mib = 0;  // HBM when the chip has it, else DDR
  std::string pci_bus_id;  // "0000:c1:00.0"; "" when the library cannot say
};

struct DcmiSnapshot {
  std::string driver_version;   // "" when the library lacks dcmi_get_driver_version
  std::vector<DcmiChip> chips;  // card order, then chip order
  // topo[i][j]: DCMI topology type between chips[i] and chips[j] (see
  // DcmiTopoClass); empty when the library lacks the call. A pair the
  // library refuses (non-910B chips answer "not supported") is kDcmiTopoUnknown.
  std::vector<std::vector<int>> topo;
};

constexpr int kDcmiTopoUnknown = -1;

// nullopt when `library` cannot be loaded (no Ascend driver): not an error.
// Unavailable when it loads but lacks a required symbol or a call fails,
// naming the call and its DCMI error code.
absl::StatusOr<std::optional<DcmiSnapshot>> ReadDcmiSnapshot(const std::string& library);

// LinkClass of a DCMI topology type: SYS, PHB, HCCS, PXB, PIX, HCCS_SW and UB
// (enum order of the DCMI reference: SELF=0, SYS, PHB, HCCS, PXB, PIX, SIO,
// HCCS_SW, UB, BUTT). 6 is SIO in newer references but BUTT ("unknown") in
// older ones, so it maps to kUnknown rather than claim a link that may not
// exist.
LinkClass DcmiTopoClass(int topo_type);

// "OK", "Warning", "Alarm", "Critical" (npu-smi's words) or "Unknown(<n>)".
std::string DcmiHealthName(uint32_t health);

}  // namespace manychip::ascend
