#pragma once

// Ascend NPUs through DCMI (`libdcmi.so`, loaded with dlopen so the build
// needs no Ascend SDK): cards, chips, chip names, health, memory, logical
// and physical ids, and the driver version.
//
// Not read here (DCMI has them, but their structures were not verified from
// a primary source): PCIe bus ids, so NUMA nodes stay unknown on this path,
// and HCCS link bandwidth; the HCCS domains come from the board rules
// (ascend_adapter.h) instead.
//
//   MC_ASSIGN_OR_RETURN(std::optional<DcmiSnapshot> s, ReadDcmiSnapshot("libdcmi.so"));
//
// Thread-safety: call from one thread at a time (dcmi_init is process-wide).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace manychip::ascend {

struct DcmiChip {
  int32_t card_id = 0;
  int32_t device_id = 0;   // chip within the card
  int32_t logic_id = -1;   // ASCEND_RT_VISIBLE_DEVICES
  int32_t phy_id = -1;     // ASCEND_VISIBLE_DEVICES, /dev/davinciN
  std::string chip_name;   // "910B3"
  uint32_t health = 0;     // dcmi_get_device_health: 0 ok, 1 minor, 2 major, 3 critical
  int64_t memory_mib = 0;  // HBM when the chip has it, else DDR
};

struct DcmiSnapshot {
  std::string driver_version;   // "" when the library lacks dcmi_get_driver_version
  std::vector<DcmiChip> chips;  // card order, then chip order
};

// nullopt when `library` cannot be loaded (no Ascend driver): not an error.
// Unavailable when it loads but lacks a required symbol or a call fails,
// naming the call and its DCMI error code.
absl::StatusOr<std::optional<DcmiSnapshot>> ReadDcmiSnapshot(const std::string& library);

// "OK", "Warning", "Alarm", "Critical" (npu-smi's words) or "Unknown(<n>)".
std::string DcmiHealthName(uint32_t health);

}  // namespace manychip::ascend
