#pragma once

// A tiny JSON writer for simulator reports: fields in the order written,
// numbers with a fixed number of decimals, so the same result always prints
// the same bytes (the determinism tests compare files).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace manychip::sim::internal {

class JsonWriter {
 public:
  void BeginObject();
  void EndObject();
  void BeginArray(absl::string_view key = {});
  void EndArray();
  void Key(absl::string_view key);
  void String(absl::string_view key, absl::string_view value);
  void Int(absl::string_view key, int64_t value);
  void Double(absl::string_view key, double value, int decimals = 4);
  void IntArray(absl::string_view key, const std::vector<int64_t>& values);
  void DoubleArray(absl::string_view key, const std::vector<double>& values, int decimals = 4);
  // Begins a nested object under `key` (or as an array element when empty).
  void BeginObject(absl::string_view key);

  const std::string& str() const { return out_; }

 private:
  void Separator();
  void Quoted(absl::string_view s);

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
};

std::string FormatDouble(double v, int decimals);

}  // namespace manychip::sim::internal
