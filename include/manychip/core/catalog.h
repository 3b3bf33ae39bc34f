#pragma once

// The device catalog: what every accelerator model is, as data.
//
// A Catalog is built once (usually by codec::LoadCatalogFile from
// examples/catalog/devices.json) and then read-only; share it by const
// reference or shared_ptr<const Catalog>. Thread-safety: immutable after
// construction, safe to read from any thread.
//
//   MC_ASSIGN_OR_RETURN(Catalog catalog, codec::LoadCatalogFile(path));
//   const DeviceModelSpec* h20 = catalog.Find("H20");       // id or alias
//   int64_t f = h20->training_factor_milli;                 // 1000 = reference

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/core/arch.h"
#include "manychip/resources.h"

namespace manychip {

struct PartitionProfileSpec {
  std::string name;
  std::string kind;
  MilliDevices share;
  MiB memory;
};

// One device model. Figures are integers in the units named; 0 = unknown.
struct DeviceModelSpec {
  std::string id;      // "nvidia-h20"
  std::string vendor;  // "nvidia"
  std::string name;    // "NVIDIA H20"
  std::vector<std::string> aliases;
  std::string pci_vendor_id;
  std::vector<std::string> pci_device_ids;
  MiB memory;
  int64_t memory_bandwidth_gbps = 0;
  int64_t bf16_tflops = 0;
  int64_t fp16_tflops = 0;
  int64_t int8_tops = 0;
  std::string interconnect;
  int64_t interconnect_gbps = 0;
  int64_t tdp_watts = 0;
  int64_t pcie_gen = 0;
  std::vector<PartitionProfileSpec> partitions;
  // Throughput relative to the reference card, in milli; always > 0 once the
  // catalog is built (explicit, or derived from bf16 / memory bandwidth).
  int64_t training_factor_milli = 0;
  int64_t inference_factor_milli = 0;
  std::string software_stack;
  // Arch names (ArchName) the vendor's software stack ships for; empty =
  // not known.
  std::vector<std::string> host_arches;
  // Dense index of this model in its catalog (0..size-1), for fast per-model
  // arrays in the scheduler.
  int32_t index = -1;

  // Whether the stack ships for `arch`: listed in host_arches, or unknown
  // (empty host_arches: do not guess). The catalog, not the host adapters,
  // is what says where a vendor's stack ships.
  bool StackShipsFor(Arch arch) const;
};

class Catalog {
 public:
  // Builds a catalog. Fails with InvalidArgument on duplicate ids or aliases,
  // a missing reference model, or a model whose factors cannot be derived.
  static absl::StatusOr<Catalog> Create(std::vector<DeviceModelSpec> models,
                                        std::string reference_model_id);

  Catalog() = default;

  // Looks a model up by id or alias, case-insensitively; nullptr if unknown.
  const DeviceModelSpec* Find(absl::string_view id_or_alias) const;
  const DeviceModelSpec& model(int32_t index) const { return models_[index]; }
  const std::vector<DeviceModelSpec>& models() const { return models_; }
  int32_t size() const { return static_cast<int32_t>(models_.size()); }
  const DeviceModelSpec& reference() const { return models_[reference_index_]; }

  // Models of one vendor, in catalog order.
  std::vector<const DeviceModelSpec*> ModelsOfVendor(absl::string_view vendor) const;

 private:
  std::vector<DeviceModelSpec> models_;
  absl::flat_hash_map<std::string, int32_t> by_name_;  // lower-case id and aliases
  int32_t reference_index_ = 0;
};

}  // namespace manychip
