#include "adapters/device/nvidia/nvidia_adapter.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/common/pci_scan.h"
#include "adapters/common/tool_runner.h"
#include "adapters/device/nvidia/nvidia_smi.h"
#include "adapters/device/nvidia/nvml_inventory.h"
#include "adapters/device/nvidia/nvml_library.h"
#include "manychip/status.h"

namespace manychip {

absl::StatusOr<DiscoveredDevices> NvidiaDeviceAdapter::Discover(
    const Catalog& catalog, const DiscoverOptions& options) const {
  if (options.tool_output_dir.empty()) {
    if (!options.nvml_library.empty()) {
      auto snap = nvidia::ReadNvmlSnapshot(options.nvml_library, options.sysfs_root);
      if (!snap.ok()) return snap.status();
      if (snap->has_value()) return nvidia::NvmlToInventory(**snap, catalog);
    }
  } else {
    // A recorded host: nvidia-smi output stands in for NVML.
    auto found = DiscoverFromNvidiaSmi(catalog, options);
    if (!absl::IsNotFound(found.status())) return found;
  }
  // No driver: GPUs seen on PCI are reported so the operator sees them, but
  // without a driver they cannot run work.
  auto pci = DiscoverByPci(catalog, options);
  if (!pci.ok()) return pci.status();
  for (DeviceSpec& d : pci->devices) {
    d.healthy = false;
    d.health_reason =
        options.tool_output_dir.empty()
            ? absl::StrCat("no NVIDIA driver (", options.nvml_library, " not loadable)")
            : "no NVIDIA driver recorded (no nvidia-smi_query-gpu.csv)";
  }
  return pci;
}

absl::StatusOr<DiscoveredDevices> NvidiaDeviceAdapter::DiscoverFromNvidiaSmi(
    const Catalog& catalog, const DiscoverOptions& options) const {
  MC_ASSIGN_OR_RETURN(
      std::string csv,
      RunTool(options, {"nvidia-smi",
                        {"--query-gpu=index,uuid,name,memory.total,pci.bus_id,driver_version",
                         "--format=csv"}}));
  // Optional recordings: absent is fine, unreadable is not.
  auto optional = [&options](ToolCall call) -> absl::StatusOr<std::string> {
    auto text = RunTool(options, call);
    if (absl::IsNotFound(text.status())) return std::string();
    return text;
  };
  MC_ASSIGN_OR_RETURN(std::string topo, optional({"nvidia-smi", {"topo", "-m"}}));
  MC_ASSIGN_OR_RETURN(std::string banner, optional({"nvidia-smi", {}}));
  MC_ASSIGN_OR_RETURN(nvidia::NvmlSnapshot snap, nvidia::SnapshotFromNvidiaSmi(csv, topo, banner));
  // PCI device ids (model fallback) and NUMA nodes from sysfs by bus id.
  MC_ASSIGN_OR_RETURN(std::vector<PciFunction> functions, ScanPci(options.sysfs_root));
  for (nvidia::NvmlGpu& g : snap.gpus) {
    const PciFunction* f = FindPciFunction(functions, g.pci_bus_id);
    if (f == nullptr) continue;
    uint32_t device = 0;
    if (absl::SimpleHexAtoi(f->device_id, &device)) g.pci_device_id = device << 16 | 0x10de;
    if (g.numa_node < 0) g.numa_node = f->numa_node;
  }
  MC_ASSIGN_OR_RETURN(DiscoveredDevices out, nvidia::NvmlToInventory(snap, catalog));
  if (topo.empty()) {
    // No matrix recorded: links are unknown, which is not "cross-CPU".
    for (DeviceSpec& d : out.devices) d.links.clear();
    if (!out.devices.empty()) out.board = "pcie";
  }
  return out;
}

Visibility NvidiaDeviceAdapter::VisibilityFor(const NodeSpec& node,
                                              absl::Span<const int32_t> devices) const {
  Visibility v;
  const SelectorIds sel =
      UuidOrPhysicalIds(node, devices, [](const std::string& uuid) { return uuid; });
  for (int32_t i : devices) {
    const DeviceSpec& d = node.devices[i];
    v.device_nodes.push_back(
        absl::StrCat("/dev/nvidia", d.physical_id >= 0 ? d.physical_id : d.index));
  }
  v.env["CUDA_VISIBLE_DEVICES"] = JoinIds(sel.ids);
  v.env["NVIDIA_VISIBLE_DEVICES"] = devices.empty() ? "void" : JoinIds(sel.ids);
  v.container_env["NVIDIA_VISIBLE_DEVICES"] = v.env["NVIDIA_VISIBLE_DEVICES"];
  v.container_env["CUDA_VISIBLE_DEVICES"] =
      sel.by_uuid ? JoinIds(sel.ids) : JoinIds(RenumberedIds(devices.size()));
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
