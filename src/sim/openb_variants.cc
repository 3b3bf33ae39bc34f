#include "manychip/sim/openb_variants.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "src/sim/rng.h"

namespace manychip::sim {
namespace {

// Decimal text with at most three decimals to permille, without floating
// point: "2" -> 2000, "0.25" -> 250.
bool ParseDecimalPermille(absl::string_view text, int64_t* out) {
  std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(text, '.');
  int64_t whole = 0;
  if (parts.first.empty() || !absl::SimpleAtoi(parts.first, &whole) || whole < 0) return false;
  if (parts.first.find_first_not_of("0123456789") != absl::string_view::npos) return false;
  const bool has_dot = text.find('.') != absl::string_view::npos;
  if (has_dot && (parts.second.empty() || parts.second.size() > 3 ||
                  parts.second.find_first_not_of("0123456789") != absl::string_view::npos)) {
    return false;
  }
  int64_t frac = 0;
  for (size_t i = 0; i < 3; ++i) {
    frac = frac * 10 + (i < parts.second.size() ? parts.second[i] - '0' : 0);
  }
  if (whole > 1000) return false;
  *out = whole * 1000 + frac;
  return true;
}

}  // namespace

absl::StatusOr<OpenbVariant> ParseOpenbVariant(absl::string_view text) {
  OpenbVariant v;
  int i = 0;
  for (absl::string_view entry : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(entry, '=');
    int64_t permille = 0;
    if (!ParseDecimalPermille(kv.second, &permille) || permille > 100000) {
      return absl::InvalidArgumentError(
          absl::StrCat("variant[", i, "] '", entry,
                       "': factor must be a decimal in [0, 100] with at most 3 decimals"));
    }
    int64_t* slot = nullptr;
    if (kv.first == "cpu") slot = &v.cpu_permille;
    if (kv.first == "sharing") slot = &v.sharing_permille;
    if (kv.first == "whole") slot = &v.whole_permille;
    if (kv.first == "multigpu") slot = &v.multigpu_permille;
    if (kv.first == "typed") slot = &v.typed_permille;
    if (slot == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "variant[", i, "] '", entry, "': unknown class (cpu, sharing, whole, multigpu, typed)"));
    }
    *slot = permille;
    ++i;
  }
  return v;
}

absl::StatusOr<std::vector<OpenbPod>> DeriveOpenbVariant(const std::vector<OpenbPod>& pods,
                                                         const OpenbVariant& variant) {
  internal::SimRng rng(variant.seed);
  std::vector<OpenbPod> out;
  bool any_gpu = false;
  for (const OpenbPod& p : pods) {
    int64_t w = p.num_gpu == 0       ? variant.cpu_permille
                : p.gpu_milli < 1000 ? variant.sharing_permille
                : p.num_gpu == 1     ? variant.whole_permille
                                     : variant.multigpu_permille;
    // Product of two permille factors, still in permille.
    if (!p.gpu_spec_indexes.empty()) w = w * variant.typed_permille / 1000;
    int64_t copies = w / 1000;
    // One draw per pod whatever its weight, so changing one class's factor
    // does not reshuffle the draws of the others.
    const uint64_t draw = rng.Below(1000);
    if (static_cast<int64_t>(draw) < w % 1000) ++copies;
    for (int64_t k = 0; k < copies; ++k) {
      OpenbPod c = p;
      if (k > 0) c.name = absl::StrCat(p.name, "-v", k);
      any_gpu = any_gpu || c.num_gpu > 0;
      out.push_back(std::move(c));
    }
  }
  if (!any_gpu) {
    return absl::InvalidArgumentError("variant: leaves no pod that asks for a GPU");
  }
  return out;
}

}  // namespace manychip::sim
