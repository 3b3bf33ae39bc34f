#pragma once

// Private helpers for the codec's validation: field paths and the error
// shape "<path>: <reason>" that every InvalidArgument from codec uses.

#include <algorithm>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/map.h"
#include "manychip/codec/json.h"
#include "manychip/elide_input.h"

namespace manychip::codec::internal {

// InvalidArgument "<path>: <reason>".
inline absl::Status FieldError(absl::string_view path, absl::string_view reason) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", reason));
}

// "base.field", or "field" when base is empty.
inline std::string Field(absl::string_view base, absl::string_view field) {
  if (base.empty()) return std::string(field);
  return absl::StrCat(base, ".", field);
}

// "base[i]".
inline std::string Index(absl::string_view base, int i) { return absl::StrCat(base, "[", i, "]"); }

// "base[\"key\"]", a long key cut (ElideInput).
inline std::string Key(absl::string_view base, absl::string_view key) {
  return absl::StrCat(base, "[\"", ElideInput(key), "\"]");
}

// A proto map's keys in sorted order: proto map iteration order is
// unspecified, and errors must be the same for the same input.
template <typename V>
std::vector<std::string> SortedKeys(const google::protobuf::Map<std::string, V>& map) {
  std::vector<std::string> keys;
  keys.reserve(map.size());
  for (const auto& [k, v] : map) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Quoted for messages: "\"value\"", a long value cut (ElideInput).
inline std::string Quote(absl::string_view s) { return absl::StrCat("\"", ElideInput(s), "\""); }

// [a-z0-9._-]+ (stack names, software stacks).
bool IsValidToken(absl::string_view s);

// Lower-case hex, exactly four digits (PCI ids).
bool IsPciId(absl::string_view s);

// Prefixes a non-OK status's message with "<file>: ", keeping its code.
absl::Status InFile(const absl::Status& status, absl::string_view file);

// Reads `path` as JSON into a `Proto` and converts it with `convert`
// (returning StatusOr); a conversion error is prefixed with the file name.
template <typename Proto, typename Convert>
auto LoadJsonAs(const std::string& path, Convert convert) -> decltype(convert(Proto())) {
  Proto proto;
  if (absl::Status s = ReadJsonFile(path, &proto); !s.ok()) return s;
  auto out = convert(proto);
  if (!out.ok()) return InFile(out.status(), path);
  return out;
}

}  // namespace manychip::codec::internal
