#include "manychip/core/catalog.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace manychip {
namespace {

// factor = value / reference * 1000, rounded to nearest, at least 1.
int64_t RatioMilli(int64_t value, int64_t reference) {
  if (value <= 0 || reference <= 0) return 0;
  int64_t milli = (value * 1000 + reference / 2) / reference;
  return milli > 0 ? milli : 1;
}

}  // namespace

absl::StatusOr<Catalog> Catalog::Create(std::vector<DeviceModelSpec> models,
                                        std::string reference_model_id) {
  Catalog catalog;
  catalog.models_ = std::move(models);
  for (int32_t i = 0; i < catalog.size(); ++i) {
    DeviceModelSpec& m = catalog.models_[i];
    m.index = i;
    if (m.id.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("models[", i, "].id: must not be empty"));
    }
    std::vector<std::string> names = m.aliases;
    names.push_back(m.id);
    for (const std::string& name : names) {
      std::string key = absl::AsciiStrToLower(name);
      auto [it, inserted] = catalog.by_name_.emplace(key, i);
      if (!inserted && it->second != i) {
        return absl::InvalidArgumentError(absl::StrCat("models[", i, "]: name \"", name,
                                                       "\" already names model \"",
                                                       catalog.models_[it->second].id, "\""));
      }
    }
  }
  const DeviceModelSpec* ref = catalog.Find(reference_model_id);
  if (ref == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("reference_model: unknown model \"", reference_model_id, "\""));
  }
  catalog.reference_index_ = ref->index;
  const int64_t ref_bf16 = ref->bf16_tflops > 0 ? ref->bf16_tflops : ref->fp16_tflops;
  const int64_t ref_bw = ref->memory_bandwidth_gbps;
  for (int32_t i = 0; i < catalog.size(); ++i) {
    DeviceModelSpec& m = catalog.models_[i];
    if (m.training_factor_milli <= 0) {
      m.training_factor_milli =
          RatioMilli(m.bf16_tflops > 0 ? m.bf16_tflops : m.fp16_tflops, ref_bf16);
    }
    if (m.inference_factor_milli <= 0) {
      m.inference_factor_milli = RatioMilli(m.memory_bandwidth_gbps, ref_bw);
    }
    // Counting a model without figures as one reference card would silently
    // skew quotas and capacity reports; the data must say what it is worth.
    if (m.training_factor_milli <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "models[", i, "].training_factor_milli: cannot be derived (no bf16/fp16 figure on \"",
          m.id, "\" or on the reference model); give it explicitly"));
    }
    // Serving is memory-bound, so bandwidth decides; where it is unknown the
    // training factor is the best estimate the data holds.
    if (m.inference_factor_milli <= 0) m.inference_factor_milli = m.training_factor_milli;
  }
  return catalog;
}

bool DeviceModelSpec::StackShipsFor(Arch arch) const {
  return host_arches.empty() ||
         std::find(host_arches.begin(), host_arches.end(), ArchName(arch)) != host_arches.end();
}

const DeviceModelSpec* Catalog::Find(absl::string_view id_or_alias) const {
  auto it = by_name_.find(absl::AsciiStrToLower(id_or_alias));
  return it == by_name_.end() ? nullptr : &models_[it->second];
}

std::vector<const DeviceModelSpec*> Catalog::ModelsOfVendor(absl::string_view vendor) const {
  std::vector<const DeviceModelSpec*> out;
  for (const DeviceModelSpec& m : models_) {
    if (m.vendor == vendor) out.push_back(&m);
  }
  return out;
}

}  // namespace manychip
