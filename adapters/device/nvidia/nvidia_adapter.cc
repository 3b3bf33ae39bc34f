#include "adapters/device/nvidia/nvidia_adapter.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/device/nvidia/nvml_inventory.h"
#include "adapters/device/nvidia/nvml_library.h"

namespace manychip {

absl::StatusOr<DiscoveredDevices> NvidiaDeviceAdapter::Discover(
    const Catalog& catalog, const DiscoverOptions& options) const {
  // Fixture trees (tool_output_dir set) describe a host without a live
  // driver: only the PCI scan applies there.
  if (options.tool_output_dir.empty()) {
    auto snap = nvidia::ReadNvmlSnapshot();
    if (!snap.ok()) return snap.status();
    if (snap->has_value()) return nvidia::NvmlToInventory(**snap, catalog);
  }
  // No driver: GPUs seen on PCI are reported so the operator sees them, but
  // without a driver they cannot run work.
  auto pci = DiscoverByPci(catalog, options);
  if (!pci.ok()) return pci.status();
  for (DeviceSpec& d : pci->devices) {
    d.healthy = false;
    d.health_reason = "no NVIDIA driver (libnvidia-ml.so.1 not loadable)";
  }
  return pci;
}

Visibility NvidiaDeviceAdapter::VisibilityFor(const NodeSpec& node,
                                              absl::Span<const int32_t> devices) const {
  Visibility v;
  std::vector<std::string> ids;
  bool all_uuids = true;
  for (int32_t i : devices) all_uuids &= !node.devices[i].uuid.empty();
  for (int32_t i : devices) {
    const DeviceSpec& d = node.devices[i];
    const int32_t minor = d.physical_id >= 0 ? d.physical_id : d.index;
    ids.push_back(all_uuids ? d.uuid : absl::StrCat(minor));
    v.device_nodes.push_back(absl::StrCat("/dev/nvidia", minor));
  }
  // UUIDs are stable across the container boundary, where indexes restart at 0.
  v.env["CUDA_VISIBLE_DEVICES"] = JoinIds(ids);
  v.env["NVIDIA_VISIBLE_DEVICES"] = devices.empty() ? "void" : JoinIds(ids);
  v.container_env["NVIDIA_VISIBLE_DEVICES"] = v.env["NVIDIA_VISIBLE_DEVICES"];
  v.container_env["CUDA_VISIBLE_DEVICES"] =
      all_uuids ? JoinIds(ids) : JoinIds(RenumberedIds(devices.size()));
  for (const char* node_path : {"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"}) {
    v.device_nodes.push_back(node_path);
  }
  return v;
}

absl::Status NvidiaDeviceAdapter::CheckStack(const NodeSpec& node, absl::string_view stack,
                                             absl::string_view min_version) const {
  if (stack != "cuda") return VendorAdapterBase::CheckStack(node, stack, min_version);
  std::vector<absl::string_view> parts = absl::StrSplit(min_version, '.');
  int32_t major = 0;
  if (!absl::SimpleAtoi(parts[0], &major) || major <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("cuda min_version \"", min_version, "\": want MAJOR[.MINOR]"));
  }
  const int32_t need = nvidia::MinDriverForCuda(major);
  if (need == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("no driver rule known for CUDA ", major, " (known: 11, 12, 13)"));
  }
  auto it = node.software.find("nvidia-driver");
  if (it == node.software.end()) {
    return absl::FailedPreconditionError(absl::StrCat("node ", node.name,
                                                      " reports no nvidia-driver (CUDA ",
                                                      min_version, " needs >= ", need, ")"));
  }
  auto c = stack::CompareDottedVersions(it->second, absl::StrCat(need));
  if (!c.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("node ", node.name, " nvidia-driver: ", c.status().message()));
  }
  if (*c < 0) {
    return absl::FailedPreconditionError(absl::StrCat("node ", node.name, " has driver ",
                                                      it->second, ", CUDA ", min_version,
                                                      " needs >= ", need));
  }
  return absl::OkStatus();
}

std::vector<PartitionProfileSpec> NvidiaDeviceAdapter::PartitionProfiles(
    const DeviceModelSpec& model) const {
  if (!model.partitions.empty()) return model.partitions;
  return nvidia::MigProfiles(model);
}

}  // namespace manychip
