#include "src/service/job_ids.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace manychip::internal {
namespace {

constexpr absl::string_view kJobPrefix = "job-";

std::string Format(const std::string& tenant, int64_t n) {
  const std::string local = absl::StrFormat("%s%06d", kJobPrefix, n);
  return tenant.empty() ? local : absl::StrCat(tenant, ".", local);
}

}  // namespace

void JobIdSequence::Observe(absl::string_view id) {
  // "<tenant>.job-N" or "job-N". Tenant names may hold dots; the local part,
  // after the last one, never does (TenantJobId refuses it).
  std::string tenant;
  absl::string_view local = id;
  if (const size_t dot = id.rfind('.'); dot != absl::string_view::npos) {
    tenant = std::string(id.substr(0, dot));
    local = id.substr(dot + 1);
  }
  if (!absl::StartsWith(local, kJobPrefix)) return;
  int64_t n = 0;
  if (!absl::SimpleAtoi(local.substr(kJobPrefix.size()), &n) || n < 0) return;
  int64_t& next = next_.try_emplace(tenant, 1).first->second;
  next = std::max(next, n + 1);
}

std::string JobIdSequence::Next(const std::string& tenant,
                                const std::function<bool(const std::string&)>& taken) {
  int64_t& next = next_.try_emplace(tenant, 1).first->second;
  std::string id;
  do {
    id = Format(tenant, next++);
  } while (taken(id));
  return id;
}

}  // namespace manychip::internal
