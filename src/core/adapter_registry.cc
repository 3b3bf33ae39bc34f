#include "manychip/adapters/adapter_registry.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace manychip {

absl::Status AdapterRegistry::RegisterDevice(std::unique_ptr<DeviceAdapter> adapter) {
  if (adapter == nullptr) return absl::InvalidArgumentError("device adapter: null");
  std::string vendor(adapter->vendor());
  if (vendor.empty()) return absl::InvalidArgumentError("device adapter: empty vendor key");
  if (device_by_vendor_.contains(vendor)) {
    return absl::AlreadyExistsError(
        absl::StrCat("device adapter for vendor \"", vendor, "\" already registered"));
  }
  device_by_vendor_.emplace(vendor, static_cast<int>(devices_.size()));
  devices_.push_back(std::move(adapter));
  return absl::OkStatus();
}

absl::Status AdapterRegistry::RegisterHost(std::unique_ptr<HostAdapter> adapter) {
  if (adapter == nullptr) return absl::InvalidArgumentError("host adapter: null");
  if (FindHost(adapter->arch()) != nullptr) {
    return absl::AlreadyExistsError(absl::StrCat(
        "host adapter for arch \"", ArchName(adapter->arch()), "\" already registered"));
  }
  hosts_.push_back(std::move(adapter));
  return absl::OkStatus();
}

const DeviceAdapter* AdapterRegistry::FindDevice(absl::string_view vendor) const {
  auto it = device_by_vendor_.find(vendor);
  return it == device_by_vendor_.end() ? nullptr : devices_[it->second].get();
}

const HostAdapter* AdapterRegistry::FindHost(Arch arch) const {
  for (const auto& h : hosts_) {
    if (h->arch() == arch) return h.get();
  }
  return nullptr;
}

std::vector<const DeviceAdapter*> AdapterRegistry::device_adapters() const {
  std::vector<const DeviceAdapter*> out;
  for (const auto& d : devices_) out.push_back(d.get());
  return out;
}

std::vector<const HostAdapter*> AdapterRegistry::host_adapters() const {
  std::vector<const HostAdapter*> out;
  for (const auto& h : hosts_) out.push_back(h.get());
  return out;
}

}  // namespace manychip
