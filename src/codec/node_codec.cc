// v1::Node <-> NodeSpec.

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "manychip/status.h"
#include "src/codec/field_errors.h"

namespace manychip::codec {
namespace {

using internal::Field;
using internal::FieldError;
using internal::Index;
using internal::Key;
using internal::Quote;
using internal::SortedKeys;

absl::StatusOr<DeviceSpec> DeviceFromProto(const v1::Device& d, const Catalog& catalog,
                                           int device_count, const std::string& path) {
  DeviceSpec spec;
  if (d.index() < 0 || d.index() >= device_count) {
    return FieldError(Field(path, "index"), absl::StrCat("must be in 0..", device_count - 1,
                                                         " (one per device), got ", d.index()));
  }
  spec.index = d.index();
  spec.uuid = d.uuid();
  if (d.model().empty()) return FieldError(Field(path, "model"), "must not be empty");
  const DeviceModelSpec* model = catalog.Find(d.model());
  if (model == nullptr) {
    return FieldError(Field(path, "model"), absl::StrCat("unknown device model ", Quote(d.model()),
                                                         " (not in the catalog)"));
  }
  spec.model = model->index;
  if (d.memory_mib() < 0) {
    return FieldError(Field(path, "memory_mib"),
                      absl::StrCat("must be >= 0, got ", d.memory_mib()));
  }
  if (d.memory_mib() == 0) {
    if (model->memory.is_zero()) {
      return FieldError(
          Field(path, "memory_mib"),
          absl::StrCat("must be given: the catalog does not know the memory of ", model->id));
    }
    spec.memory = model->memory;
  } else {
    spec.memory = MiB::FromRaw(d.memory_mib());
  }
  if (!v1::DeviceHealth_IsValid(d.health())) {
    return FieldError(Field(path, "health"), absl::StrCat("unknown value ", d.health()));
  }
  spec.healthy = d.health() != v1::UNHEALTHY;
  spec.health_reason = d.health_reason();
  if (d.numa_node() < -1) {
    return FieldError(Field(path, "numa_node"),
                      absl::StrCat("must be >= -1 (-1 = unknown), got ", d.numa_node()));
  }
  spec.numa_node = d.numa_node();
  spec.link_group = d.link_group();
  // Absent means "same as index" (-1). A present value is taken literally,
  // 0 included: on a node with two vendors both have a physical id 0.
  if (d.has_physical_id()) {
    if (d.physical_id() < 0) {
      return FieldError(Field(path, "physical_id"),
                        absl::StrCat("must be >= 0, got ", d.physical_id()));
    }
    spec.physical_id = d.physical_id();
  } else {
    spec.physical_id = -1;
  }
  spec.pci_bus_id = d.pci_bus_id();
  std::set<int32_t> peers;
  for (int i = 0; i < d.links_size(); ++i) {
    const v1::DeviceLink& l = d.links(i);
    const std::string lpath = Index(Field(path, "links"), i);
    if (l.peer() < 0 || l.peer() >= device_count) {
      return FieldError(Field(lpath, "peer"), absl::StrCat("must be a device index in 0..",
                                                           device_count - 1, ", got ", l.peer()));
    }
    if (l.peer() == d.index()) {
      return FieldError(Field(lpath, "peer"), "a device cannot link to itself");
    }
    if (!peers.insert(l.peer()).second) {
      return FieldError(Field(lpath, "peer"), absl::StrCat("duplicate link to device ", l.peer()));
    }
    if (!v1::LinkClass_IsValid(l.link_class()) || l.link_class() == v1::LINK_CLASS_UNSPECIFIED) {
      return FieldError(Field(lpath, "link_class"), "must be set to a known link class");
    }
    if (l.lanes() < 0) {
      return FieldError(Field(lpath, "lanes"), absl::StrCat("must be >= 0, got ", l.lanes()));
    }
    spec.links.push_back(
        DeviceLinkSpec{l.peer(), static_cast<LinkClass>(l.link_class()), l.lanes()});
  }
  return spec;
}

absl::Status CheckStringMap(const google::protobuf::Map<std::string, std::string>& map,
                            const std::string& path, bool values_required,
                            std::map<std::string, std::string>* out) {
  for (const std::string& key : SortedKeys(map)) {
    if (key.empty()) return FieldError(Key(path, key), "key must not be empty");
    const std::string& value = map.at(key);
    if (values_required && value.empty()) {
      return FieldError(Key(path, key), "value must not be empty");
    }
    (*out)[key] = value;
  }
  return absl::OkStatus();
}

// Physical ids name device nodes per vendor (/dev/davinci0 and /dev/xpu0 can
// sit on one host), so they must be unique among one vendor's devices only.
// A device without one uses its index, and that effective id counts too: two
// devices that would both open /dev/davinci3 are an inconsistent inventory.
// Devices are visited in index order so the error is the same for the same
// input; it names a device whose physical_id is present (two absent ones
// never collide, indexes being unique).
absl::Status CheckPhysicalIds(const NodeSpec& node, const Catalog& catalog,
                              const std::vector<int>& source_of, const std::string& devices_path) {
  // vendor -> effective physical id -> device index that claimed it.
  std::map<std::string, std::map<int32_t, int>, std::less<>> claimed;
  for (int idx = 0; idx < static_cast<int>(node.devices.size()); ++idx) {
    const DeviceSpec& d = node.devices[idx];
    const std::string& vendor = catalog.model(d.model).vendor;
    const int32_t id = d.physical_id >= 0 ? d.physical_id : idx;
    auto [it, inserted] = claimed[vendor].emplace(id, idx);
    if (inserted) continue;
    const int other = it->second;
    const int blamed = d.physical_id >= 0 ? idx : other;
    const int partner = blamed == idx ? other : idx;
    const std::string why = node.devices[partner].physical_id >= 0
                                ? absl::StrCat("also devices[", source_of[partner], "]")
                                : absl::StrCat("devices[", source_of[partner],
                                               "] has none, so it uses its index ", partner);
    return FieldError(
        Field(Index(devices_path, source_of[blamed]), "physical_id"),
        absl::StrCat("duplicate physical id ", id, " among ", vendor, " devices (", why, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<NodeSpec> NodeFromProto(const v1::Node& proto, const Catalog& catalog,
                                       absl::string_view path_prefix) {
  const std::string p(path_prefix);
  auto at = [&p](absl::string_view field) { return absl::StrCat(p, field); };
  NodeSpec node;
  if (!IsValidId(proto.name())) {
    return FieldError(at("name"), absl::StrCat("must match [a-z0-9][a-z0-9._-]{0,62}, got ",
                                               Quote(proto.name())));
  }
  node.name = proto.name();
  if (proto.arch().empty()) {
    return FieldError(at("arch"), "must be set (x86_64, aarch64 or riscv64)");
  }
  auto arch = ParseArch(proto.arch());
  if (!arch.ok()) return FieldError(at("arch"), arch.status().message());
  node.arch = *arch;
  node.cpu_model = proto.cpu_model();
  for (int i = 0; i < proto.cpu_features_size(); ++i) {
    if (proto.cpu_features(i).empty()) {
      return FieldError(Index(at("cpu_features"), i), "must not be empty");
    }
    node.cpu_features.push_back(proto.cpu_features(i));
  }
  if (proto.cpu_milli() <= 0) {
    return FieldError(at("cpu_milli"), absl::StrCat("must be > 0, got ", proto.cpu_milli()));
  }
  node.cpu = MilliCpu::FromRaw(proto.cpu_milli());
  if (proto.memory_mib() <= 0) {
    return FieldError(at("memory_mib"), absl::StrCat("must be > 0, got ", proto.memory_mib()));
  }
  node.memory = MiB::FromRaw(proto.memory_mib());
  MC_RETURN_IF_ERROR(CheckStringMap(proto.labels(), at("labels"), false, &node.labels));
  for (int i = 0; i < proto.taints_size(); ++i) {
    const v1::Taint& t = proto.taints(i);
    const std::string tpath = Index(at("taints"), i);
    if (t.key().empty()) return FieldError(Field(tpath, "key"), "must not be empty");
    TaintSpec taint{t.key(), t.value(), false};
    if (t.effect() == "PreferNoSchedule") {
      taint.prefer_no_schedule = true;
    } else if (!t.effect().empty() && t.effect() != "NoSchedule") {
      return FieldError(
          Field(tpath, "effect"),
          absl::StrCat("must be \"NoSchedule\" or \"PreferNoSchedule\", got ", Quote(t.effect())));
    }
    node.taints.push_back(std::move(taint));
  }
  for (int i = 0; i < proto.topology_path_size(); ++i) {
    if (proto.topology_path(i).empty()) {
      return FieldError(Index(at("topology_path"), i), "must not be empty");
    }
    node.topology_path.push_back(proto.topology_path(i));
  }
  node.board = proto.board();

  const int n = proto.devices_size();
  node.devices.resize(n);
  std::vector<int> source_of(n, -1);  // device index -> position in the input
  std::set<std::string> uuids;
  for (int i = 0; i < n; ++i) {
    const std::string dpath = Index(at("devices"), i);
    MC_ASSIGN_OR_RETURN(DeviceSpec device, DeviceFromProto(proto.devices(i), catalog, n, dpath));
    if (source_of[device.index] >= 0) {
      return FieldError(Field(dpath, "index"),
                        absl::StrCat("duplicate index ", device.index, " (also devices[",
                                     source_of[device.index], "])"));
    }
    if (!device.uuid.empty() && !uuids.insert(device.uuid).second) {
      return FieldError(Field(dpath, "uuid"), absl::StrCat("duplicate uuid ", Quote(device.uuid)));
    }
    source_of[device.index] = i;
    node.devices[device.index] = std::move(device);
  }
  MC_RETURN_IF_ERROR(CheckPhysicalIds(node, catalog, source_of, at("devices")));
  // Links describe a symmetric relation; a one-sided link means the
  // inventory is inconsistent and topology decisions would depend on which
  // side the scheduler happens to look at.
  for (int idx = 0; idx < n; ++idx) {
    const DeviceSpec& d = node.devices[idx];
    for (size_t k = 0; k < d.links.size(); ++k) {
      const DeviceLinkSpec& l = d.links[k];
      bool mirrored = false;
      for (const DeviceLinkSpec& back : node.devices[l.peer].links) {
        if (back.peer == idx) {
          mirrored = back.link_class == l.link_class && back.lanes == l.lanes;
          break;
        }
      }
      if (!mirrored) {
        return FieldError(
            Index(Field(Index(at("devices"), source_of[idx]), "links"), static_cast<int>(k)),
            absl::StrCat("device ", idx, " links to ", l.peer, " but device ", l.peer,
                         " has no matching link back (same class and lanes)"));
      }
    }
  }
  MC_RETURN_IF_ERROR(CheckStringMap(proto.software(), at("software"), true, &node.software));
  node.unschedulable = proto.unschedulable();
  constexpr int kMaxUnrecognized = 1024;
  if (proto.unrecognized_devices_size() > kMaxUnrecognized) {
    return FieldError(
        at("unrecognized_devices"),
        absl::StrCat(proto.unrecognized_devices_size(), " entries; at most ", kMaxUnrecognized));
  }
  for (int i = 0; i < proto.unrecognized_devices_size(); ++i) {
    const v1::UnrecognizedDevice& u = proto.unrecognized_devices(i);
    if (u.vendor().empty() || u.reason().empty()) {
      return FieldError(Index(at("unrecognized_devices"), i),
                        "vendor and reason are required (what was found, and why it is not "
                        "schedulable)");
    }
    node.unrecognized_devices.push_back({.vendor = u.vendor(),
                                         .pci_bus_id = u.pci_bus_id(),
                                         .pci_vendor_id = u.pci_vendor_id(),
                                         .pci_device_id = u.pci_device_id(),
                                         .numa_node = u.numa_node(),
                                         .reason = u.reason()});
  }
  return node;
}

v1::Node NodeToProto(const NodeSpec& node, const Catalog& catalog) {
  v1::Node out;
  out.set_name(node.name);
  out.set_arch(std::string(ArchName(node.arch)));
  out.set_cpu_model(node.cpu_model);
  for (const std::string& f : node.cpu_features) out.add_cpu_features(f);
  out.set_cpu_milli(node.cpu.raw());
  out.set_memory_mib(node.memory.raw());
  for (const auto& [k, v] : node.labels) (*out.mutable_labels())[k] = v;
  for (const TaintSpec& t : node.taints) {
    v1::Taint* taint = out.add_taints();
    taint->set_key(t.key);
    taint->set_value(t.value);
    taint->set_effect(t.prefer_no_schedule ? "PreferNoSchedule" : "NoSchedule");
  }
  for (const std::string& s : node.topology_path) out.add_topology_path(s);
  out.set_board(node.board);
  for (const DeviceSpec& d : node.devices) {
    v1::Device* dev = out.add_devices();
    dev->set_index(d.index);
    dev->set_uuid(d.uuid);
    // An index from another catalog is a bug; writing an empty model makes
    // the stored node fail validation visibly instead of dropping the device.
    MC_DCHECK(d.model >= 0 && d.model < catalog.size());
    if (d.model >= 0 && d.model < catalog.size()) dev->set_model(catalog.model(d.model).id);
    dev->set_memory_mib(d.memory.raw());
    dev->set_health(d.healthy ? v1::HEALTHY : v1::UNHEALTHY);
    dev->set_health_reason(d.health_reason);
    dev->set_numa_node(d.numa_node);
    dev->set_link_group(d.link_group);
    if (d.physical_id >= 0) dev->set_physical_id(d.physical_id);  // absent = same as index
    dev->set_pci_bus_id(d.pci_bus_id);
    for (const DeviceLinkSpec& l : d.links) {
      v1::DeviceLink* link = dev->add_links();
      link->set_peer(l.peer);
      link->set_link_class(static_cast<v1::LinkClass>(l.link_class));
      link->set_lanes(l.lanes);
    }
  }
  for (const auto& [k, v] : node.software) (*out.mutable_software())[k] = v;
  out.set_unschedulable(node.unschedulable);
  for (const UnrecognizedDeviceSpec& u : node.unrecognized_devices) {
    v1::UnrecognizedDevice* d = out.add_unrecognized_devices();
    d->set_vendor(u.vendor);
    d->set_pci_bus_id(u.pci_bus_id);
    d->set_pci_vendor_id(u.pci_vendor_id);
    d->set_pci_device_id(u.pci_device_id);
    d->set_numa_node(u.numa_node);
    d->set_reason(u.reason);
  }
  return out;
}

absl::StatusOr<NodeSpec> LoadNodeFile(const std::string& path, const Catalog& catalog) {
  return internal::LoadJsonAs<v1::Node>(
      path, [&](const v1::Node& proto) { return NodeFromProto(proto, catalog); });
}

}  // namespace manychip::codec
