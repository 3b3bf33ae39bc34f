// v1::Catalog -> Catalog, with figure provenance checks.

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "manychip/codec/json.h"
#include "manychip/codec/model.h"
#include "manychip/status.h"
#include "src/codec/field_errors.h"

namespace manychip::codec {
namespace {

using internal::Field;
using internal::FieldError;
using internal::Index;
using internal::Quote;

// Reads one optional figure. An absent figure is 0 (unknown). A present one
// must be a positive value with a source and a confidence: "not found"
// figures are omitted from the file, not written as 0.
absl::StatusOr<int64_t> ReadFigure(bool present, const v1::Figure& figure, absl::string_view path) {
  if (!present) return 0;
  if (figure.value() <= 0) {
    return FieldError(
        Field(path, "value"),
        absl::StrCat("must be > 0 (omit a figure that is not known), got ", figure.value()));
  }
  if (figure.source().empty()) {
    return FieldError(Field(path, "source"), "must name where the figure was read");
  }
  if (figure.confidence() == v1::CONFIDENCE_UNSPECIFIED) {
    return FieldError(Field(path, "confidence"), "must be VERIFIED, SECONDARY or UNVERIFIED");
  }
  return figure.value();
}

bool IsVendorKey(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

absl::StatusOr<DeviceModelSpec> ModelFromProto(const v1::DeviceModel& m, const std::string& path) {
  DeviceModelSpec spec;
  if (!IsValidId(m.id())) {
    return FieldError(Field(path, "id"),
                      absl::StrCat("must match [a-z0-9][a-z0-9._-]{0,62}, got ", Quote(m.id())));
  }
  spec.id = m.id();
  if (!IsVendorKey(m.vendor())) {
    return FieldError(Field(path, "vendor"),
                      absl::StrCat("must be a lower-case key [a-z0-9-]+, got ", Quote(m.vendor())));
  }
  spec.vendor = m.vendor();
  if (m.name().empty()) return FieldError(Field(path, "name"), "must not be empty");
  spec.name = m.name();
  for (int i = 0; i < m.aliases_size(); ++i) {
    if (m.aliases(i).empty()) {
      return FieldError(Index(Field(path, "aliases"), i), "must not be empty");
    }
    spec.aliases.push_back(m.aliases(i));
  }
  if (!m.pci_vendor_id().empty() && !internal::IsPciId(m.pci_vendor_id())) {
    return FieldError(
        Field(path, "pci_vendor_id"),
        absl::StrCat("must be 4 lower-case hex digits, got ", Quote(m.pci_vendor_id())));
  }
  spec.pci_vendor_id = m.pci_vendor_id();
  for (int i = 0; i < m.pci_device_ids_size(); ++i) {
    if (!internal::IsPciId(m.pci_device_ids(i))) {
      return FieldError(
          Index(Field(path, "pci_device_ids"), i),
          absl::StrCat("must be 4 lower-case hex digits, got ", Quote(m.pci_device_ids(i))));
    }
    if (m.pci_vendor_id().empty()) {
      return FieldError(Field(path, "pci_vendor_id"), "must be set when pci_device_ids are given");
    }
    spec.pci_device_ids.push_back(m.pci_device_ids(i));
  }

  MC_ASSIGN_OR_RETURN(int64_t memory,
                      ReadFigure(m.has_memory_mib(), m.memory_mib(), Field(path, "memory_mib")));
  spec.memory = MiB::FromRaw(memory);
  MC_ASSIGN_OR_RETURN(spec.memory_bandwidth_gbps,
                      ReadFigure(m.has_memory_bandwidth_gbps(), m.memory_bandwidth_gbps(),
                                 Field(path, "memory_bandwidth_gbps")));
  MC_ASSIGN_OR_RETURN(spec.bf16_tflops,
                      ReadFigure(m.has_bf16_tflops(), m.bf16_tflops(), Field(path, "bf16_tflops")));
  MC_ASSIGN_OR_RETURN(spec.fp16_tflops,
                      ReadFigure(m.has_fp16_tflops(), m.fp16_tflops(), Field(path, "fp16_tflops")));
  MC_ASSIGN_OR_RETURN(spec.int8_tops,
                      ReadFigure(m.has_int8_tops(), m.int8_tops(), Field(path, "int8_tops")));
  MC_ASSIGN_OR_RETURN(spec.interconnect_gbps,
                      ReadFigure(m.has_interconnect_gbps(), m.interconnect_gbps(),
                                 Field(path, "interconnect_gbps")));
  MC_ASSIGN_OR_RETURN(spec.tdp_watts,
                      ReadFigure(m.has_tdp_watts(), m.tdp_watts(), Field(path, "tdp_watts")));
  MC_ASSIGN_OR_RETURN(spec.pcie_gen,
                      ReadFigure(m.has_pcie_gen(), m.pcie_gen(), Field(path, "pcie_gen")));
  MC_ASSIGN_OR_RETURN(spec.training_factor_milli,
                      ReadFigure(m.has_training_factor_milli(), m.training_factor_milli(),
                                 Field(path, "training_factor_milli")));
  MC_ASSIGN_OR_RETURN(spec.inference_factor_milli,
                      ReadFigure(m.has_inference_factor_milli(), m.inference_factor_milli(),
                                 Field(path, "inference_factor_milli")));
  if (!m.interconnect().empty() && !IsVendorKey(m.interconnect())) {
    return FieldError(
        Field(path, "interconnect"),
        absl::StrCat("must be a lower-case key [a-z0-9-]+, got ", Quote(m.interconnect())));
  }
  spec.interconnect = m.interconnect();

  std::set<std::string> partition_names;
  for (int i = 0; i < m.partitions_size(); ++i) {
    const v1::PartitionProfile& p = m.partitions(i);
    const std::string ppath = Index(Field(path, "partitions"), i);
    if (p.name().empty()) return FieldError(Field(ppath, "name"), "must not be empty");
    if (!partition_names.insert(p.name()).second) {
      return FieldError(Field(ppath, "name"), absl::StrCat("duplicate profile ", Quote(p.name())));
    }
    if (!IsVendorKey(p.kind())) {
      return FieldError(Field(ppath, "kind"),
                        absl::StrCat("must be a lower-case key such as \"mig\" or \"vnpu\", got ",
                                     Quote(p.kind())));
    }
    if (p.milli_devices() < 1 || p.milli_devices() > kMilliPerDevice) {
      return FieldError(Field(ppath, "milli_devices"),
                        absl::StrCat("must be in 1..1000, got ", p.milli_devices()));
    }
    if (p.memory_mib() < 0) {
      return FieldError(Field(ppath, "memory_mib"),
                        absl::StrCat("must be >= 0, got ", p.memory_mib()));
    }
    if (memory > 0 && p.memory_mib() > memory) {
      return FieldError(
          Field(ppath, "memory_mib"),
          absl::StrCat(p.memory_mib(), " exceeds the model's memory (", memory, " MiB)"));
    }
    if (p.source().empty()) return FieldError(Field(ppath, "source"), "must not be empty");
    spec.partitions.push_back(PartitionProfileSpec{p.name(), p.kind(),
                                                   MilliDevices::FromRaw(p.milli_devices()),
                                                   MiB::FromRaw(p.memory_mib())});
  }

  if (!internal::IsValidToken(m.software_stack())) {
    return FieldError(Field(path, "software_stack"),
                      absl::StrCat("must be a lower-case token such as \"cuda\", got ",
                                   Quote(m.software_stack())));
  }
  spec.software_stack = m.software_stack();
  for (int i = 0; i < m.host_arches_size(); ++i) {
    const std::string apath = Index(Field(path, "host_arches"), i);
    auto arch = ParseArch(m.host_arches(i));
    if (!arch.ok()) return FieldError(apath, arch.status().message());
    std::string name(ArchName(*arch));
    for (const std::string& seen : spec.host_arches) {
      if (seen == name) return FieldError(apath, absl::StrCat("duplicate arch ", Quote(name)));
    }
    spec.host_arches.push_back(std::move(name));
  }
  return spec;
}

}  // namespace

absl::StatusOr<Catalog> CatalogFromProto(const v1::Catalog& proto) {
  if (proto.reference_model().empty()) {
    return FieldError("reference_model", "must name the unit card, e.g. \"nvidia-h20\"");
  }
  if (proto.models_size() == 0) return FieldError("models", "must list at least one model");
  std::vector<DeviceModelSpec> models;
  models.reserve(proto.models_size());
  int reference = -1;
  for (int i = 0; i < proto.models_size(); ++i) {
    MC_ASSIGN_OR_RETURN(DeviceModelSpec spec, ModelFromProto(proto.models(i), Index("models", i)));
    if (spec.id == proto.reference_model()) reference = i;
    models.push_back(std::move(spec));
  }
  if (reference < 0) {
    return FieldError("reference_model",
                      absl::StrCat("unknown model id ", Quote(proto.reference_model())));
  }
  // Factors are derived against the reference only where both sides have the
  // figure; anything else must be explicit so no model silently counts as one
  // reference card.
  const DeviceModelSpec& ref = models[reference];
  const bool ref_compute = ref.bf16_tflops > 0 || ref.fp16_tflops > 0;
  const bool ref_bandwidth = ref.memory_bandwidth_gbps > 0;
  for (int i = 0; i < static_cast<int>(models.size()); ++i) {
    const DeviceModelSpec& m = models[i];
    const std::string path = Index("models", i);
    if (i == reference) {
      if ((m.training_factor_milli != 0 && m.training_factor_milli != kMilliPerDevice) ||
          (m.inference_factor_milli != 0 && m.inference_factor_milli != kMilliPerDevice)) {
        return FieldError(path, "the reference model's factors must be 1000");
      }
    }
    if (m.training_factor_milli == 0 &&
        !(ref_compute && (m.bf16_tflops > 0 || m.fp16_tflops > 0))) {
      return FieldError(Field(path, "training_factor_milli"),
                        "must be given: bf16/fp16 figures are missing here or on the reference "
                        "model, so it cannot be derived");
    }
    if (m.inference_factor_milli == 0 && !(ref_bandwidth && m.memory_bandwidth_gbps > 0)) {
      return FieldError(Field(path, "inference_factor_milli"),
                        "must be given: memory bandwidth is missing here or on the reference "
                        "model, so it cannot be derived");
    }
  }
  return Catalog::Create(std::move(models), proto.reference_model());
}

absl::StatusOr<Catalog> LoadCatalogFile(const std::string& path) {
  v1::Catalog proto;
  MC_RETURN_IF_ERROR(ReadJsonFile(path, &proto));
  auto catalog = CatalogFromProto(proto);
  if (!catalog.ok()) return internal::InFile(catalog.status(), path);
  return catalog;
}

}  // namespace manychip::codec
