#pragma once

// A small CSV reader for trace files: a header row names the columns, fields
// are comma-separated, optionally double-quoted ("a,b" and "" escapes). Lines
// are numbered from 1 (the header) so every error can say `file:line`.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace manychip::sim::internal {

struct CsvRow {
  int line = 0;                     // 1-based line number in the file
  std::vector<std::string> fields;  // one per header column
};

class CsvTable {
 public:
  // Parses `text` (the whole file). `file` is used in error messages only.
  // InvalidArgument on an unterminated quote or a row whose field count
  // differs from the header's.
  static absl::StatusOr<CsvTable> Parse(absl::string_view text, absl::string_view file);

  // Index of `column`, or InvalidArgument "<file>:1: missing column '<column>'".
  absl::StatusOr<int> Column(absl::string_view column) const;
  bool HasColumn(absl::string_view column) const { return by_name_.contains(column); }

  const std::vector<CsvRow>& rows() const { return rows_; }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<std::string> header_;
  absl::flat_hash_map<std::string, int> by_name_;
  std::vector<CsvRow> rows_;
};

// Parses a non-negative integer field. InvalidArgument
// "<file>:<line>: column '<column>': <reason>, got '<text>'".
absl::StatusOr<int64_t> ParseNonNegative(absl::string_view text, absl::string_view file, int line,
                                         absl::string_view column);

}  // namespace manychip::sim::internal
