#include "adapters/common/pci_scan.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "manychip/codec/json.h"
#include "spdlog/spdlog.h"

namespace manychip {
namespace {

absl::StatusOr<std::string> ReadTrimmed(const std::string& path) {
  auto text = codec::ReadFile(path);
  if (!text.ok()) return text.status();
  return std::string(absl::StripAsciiWhitespace(*text));
}

// "0x10de" -> "10de"; InvalidArgument unless 4 hex digits.
absl::StatusOr<std::string> HexId(const std::string& path, absl::string_view s) {
  absl::ConsumePrefix(&s, "0x");
  if (s.size() != 4 || !std::all_of(s.begin(), s.end(), [](char c) {
        return absl::ascii_isxdigit(static_cast<unsigned char>(c));
      })) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": want a 4-digit hex PCI id, got \"", s, "\""));
  }
  return absl::AsciiStrToLower(s);
}

}  // namespace

absl::StatusOr<std::vector<PciFunction>> ScanPci(const std::string& sysfs_root) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(sysfs_root) / "bus" / "pci" / "devices";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    spdlog::debug("pci scan: {} not found, no PCI devices", dir.string());
    return std::vector<PciFunction>{};
  }
  std::vector<PciFunction> out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string base = e.path().string();
    PciFunction f;
    f.address = absl::AsciiStrToLower(e.path().filename().string());
    auto vendor = ReadTrimmed(base + "/vendor");
    if (!vendor.ok()) return vendor.status();
    auto vid = HexId(base + "/vendor", *vendor);
    if (!vid.ok()) return vid.status();
    f.vendor_id = *vid;
    auto device = ReadTrimmed(base + "/device");
    if (!device.ok()) return device.status();
    auto did = HexId(base + "/device", *device);
    if (!did.ok()) return did.status();
    f.device_id = *did;
    auto cls = ReadTrimmed(base + "/class");
    if (!cls.ok()) return cls.status();
    absl::string_view c = *cls;
    absl::ConsumePrefix(&c, "0x");
    if (c.empty() || c.size() > 6 || !absl::SimpleHexAtoi(c, &f.class_code)) {
      return absl::InvalidArgumentError(
          absl::StrCat(base, "/class: want a hex class code, got \"", *cls, "\""));
    }
    // numa_node is absent on single-socket kernels: unknown, not an error.
    if (auto numa = ReadTrimmed(base + "/numa_node"); numa.ok()) {
      if (!absl::SimpleAtoi(*numa, &f.numa_node) || f.numa_node < -1) {
        return absl::InvalidArgumentError(
            absl::StrCat(base, "/numa_node: want an integer >= -1, got \"", *numa, "\""));
      }
    }
    out.push_back(std::move(f));
  }
  if (ec) {
    return absl::UnavailableError(absl::StrCat(dir.string(), ": ", ec.message()));
  }
  std::sort(out.begin(), out.end(),
            [](const PciFunction& a, const PciFunction& b) { return a.address < b.address; });
  return out;
}

bool IsAcceleratorClass(uint32_t class_code) {
  const uint32_t base = class_code >> 16;
  return base == 0x03 || base == 0x12;
}

std::vector<DeviceSpec> PciDevicesOfVendor(const std::vector<PciFunction>& functions,
                                           absl::string_view vendor,
                                           const std::vector<std::string>& pci_vendor_ids,
                                           const Catalog& catalog,
                                           std::vector<UnrecognizedDeviceSpec>* unrecognized) {
  std::vector<const DeviceModelSpec*> models = catalog.ModelsOfVendor(vendor);
  std::vector<std::string> ids = pci_vendor_ids;
  for (const DeviceModelSpec* m : models) {
    if (!m->pci_vendor_id.empty()) ids.push_back(absl::AsciiStrToLower(m->pci_vendor_id));
  }
  std::vector<DeviceSpec> out;
  for (const PciFunction& f : functions) {
    if (std::find(ids.begin(), ids.end(), f.vendor_id) == ids.end()) continue;
    if (!IsAcceleratorClass(f.class_code)) continue;
    const DeviceModelSpec* model = nullptr;
    for (const DeviceModelSpec* m : models) {
      for (const std::string& d : m->pci_device_ids) {
        if (absl::EqualsIgnoreCase(d, f.device_id)) model = m;
      }
      if (model != nullptr) break;
    }
    if (model == nullptr) {
      const std::string reason = absl::StrCat("PCI device id ", f.vendor_id, ":", f.device_id,
                                              " is in no catalog model of vendor ", vendor,
                                              "; not schedulable until the catalog lists it");
      spdlog::warn("pci {}: {}", f.address, reason);
      if (unrecognized != nullptr) {
        unrecognized->push_back({.vendor = std::string(vendor),
                                 .pci_bus_id = f.address,
                                 .pci_vendor_id = f.vendor_id,
                                 .pci_device_id = f.device_id,
                                 .numa_node = f.numa_node,
                                 .reason = reason});
      }
      continue;
    }
    DeviceSpec d;
    d.index = static_cast<int32_t>(out.size());
    d.model = model->index;
    d.memory = model->memory;
    d.numa_node = f.numa_node;
    d.pci_bus_id = f.address;
    out.push_back(std::move(d));
  }
  return out;
}

const PciFunction* FindPciFunction(const std::vector<PciFunction>& functions,
                                   absl::string_view bus_id) {
  for (const PciFunction& f : functions) {
    if (absl::EqualsIgnoreCase(f.address, bus_id)) return &f;
  }
  return nullptr;
}

void FillNumaFromPci(const std::vector<PciFunction>& functions, std::vector<DeviceSpec>& devices) {
  for (DeviceSpec& d : devices) {
    if (d.numa_node >= 0 || d.pci_bus_id.empty()) continue;
    if (const PciFunction* f = FindPciFunction(functions, d.pci_bus_id)) d.numa_node = f->numa_node;
  }
}

}  // namespace manychip
