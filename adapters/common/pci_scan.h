#pragma once

// Generic PCI discovery every vendor falls back to: reads
// <sysfs_root>/bus/pci/devices/*/{vendor,device,class,numa_node} and maps a
// vendor's accelerator functions to catalog models by PCI ids. Tests point
// sysfs_root at fixture trees (tests/testdata/sysfs/...).
//
//   MC_ASSIGN_OR_RETURN(std::vector<PciFunction> pci, ScanPci(options.sysfs_root));
//   MC_ASSIGN_OR_RETURN(std::vector<DeviceSpec> devs,
//                       PciDevicesOfVendor(pci, "kunlun", {"1d22"}, catalog));
//
// Thread-safety: pure functions over the filesystem.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/core/catalog.h"
#include "manychip/core/node.h"

namespace manychip {

struct PciFunction {
  std::string address;      // "0000:c1:00.0"
  std::string vendor_id;    // lower-case hex without 0x, "19e5"
  std::string device_id;    // "d802"
  uint32_t class_code = 0;  // 0x120000 processing accelerator, 0x0302xx 3D controller
  int32_t numa_node = -1;
};

// All PCI functions, sorted by address. A missing bus directory (a container
// without sysfs) is an empty list; a function whose files are unreadable or
// malformed is InvalidArgument naming the file.
absl::StatusOr<std::vector<PciFunction>> ScanPci(const std::string& sysfs_root);

// Display (0x03) or processing-accelerator (0x12) class: vendors such as
// Huawei also make NICs under the same vendor id, which must not become NPUs.
bool IsAcceleratorClass(uint32_t class_code);

// The vendor's accelerator functions as devices (index 0.. in address order,
// model from the catalog by pci_vendor_id/pci_device_ids among models whose
// vendor is `vendor`). `pci_vendor_ids` are the vendor's PCI ids (the
// catalog's pci_vendor_id values are added). A function whose device id no
// catalog model lists is not a device (guessing a model would make a wrong
// inventory): it goes to `unrecognized` (when given) with the reason, and
// is logged.
std::vector<DeviceSpec> PciDevicesOfVendor(
    const std::vector<PciFunction>& functions, absl::string_view vendor,
    const std::vector<std::string>& pci_vendor_ids, const Catalog& catalog,
    std::vector<UnrecognizedDeviceSpec>* unrecognized = nullptr);

// The function at `bus_id` ("0000:3b:00.0", any case), or nullptr.
const PciFunction* FindPciFunction(const std::vector<PciFunction>& functions,
                                   absl::string_view bus_id);

// Devices found through a vendor tool carry a bus id but often no NUMA node
// (ppu-smi, npu-smi): fills numa_node where it is unknown (-1) from the PCI
// function at the device's bus id. Devices without a bus id, or whose
// function is absent from the scan, keep -1.
void FillNumaFromPci(const std::vector<PciFunction>& functions, std::vector<DeviceSpec>& devices);

}  // namespace manychip
