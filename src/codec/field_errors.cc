#include "src/codec/field_errors.h"

#include "manychip/codec/model.h"

namespace manychip::codec {

bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 63) return false;
  auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_alnum(id[0])) return false;
  for (char c : id) {
    if (!lower_alnum(c) && c != '.' && c != '_' && c != '-') return false;
  }
  return true;
}

namespace internal {

bool IsValidToken(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool IsPciId(absl::string_view s) {
  if (s.size() != 4) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

absl::Status InFile(const absl::Status& status, absl::string_view file) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(file, ": ", status.message()));
}

}  // namespace internal
}  // namespace manychip::codec
