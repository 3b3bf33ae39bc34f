#include "src/sim/csv.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "manychip/status.h"

namespace manychip::sim::internal {
namespace {

// Splits one logical CSV record starting at `pos`; advances `pos` past the
// record's line break. Quoted fields may not span lines (trace files never
// need that, and refusing it keeps line numbers honest).
absl::Status SplitRecord(absl::string_view text, size_t& pos, std::vector<std::string>& out,
                         absl::string_view file, int line) {
  out.clear();
  std::string field;
  bool quoted = false;
  bool was_quoted = false;
  while (pos < text.size()) {
    char c = text[pos];
    if (quoted) {
      if (c == '"') {
        if (pos + 1 < text.size() && text[pos + 1] == '"') {
          field.push_back('"');
          pos += 2;
          continue;
        }
        quoted = false;
        ++pos;
        continue;
      }
      if (c == '\n') {
        return absl::InvalidArgumentError(absl::StrCat(file, ":", line, ": unterminated quote"));
      }
      field.push_back(c);
      ++pos;
      continue;
    }
    if (c == '"' && field.empty() && !was_quoted) {
      quoted = true;
      was_quoted = true;
      ++pos;
      continue;
    }
    if (c == ',') {
      out.push_back(std::move(field));
      field.clear();
      was_quoted = false;
      ++pos;
      continue;
    }
    if (c == '\n' || c == '\r') {
      if (c == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n') ++pos;
      ++pos;
      out.push_back(std::move(field));
      return absl::OkStatus();
    }
    field.push_back(c);
    ++pos;
  }
  if (quoted) {
    return absl::InvalidArgumentError(absl::StrCat(file, ":", line, ": unterminated quote"));
  }
  out.push_back(std::move(field));
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CsvTable> CsvTable::Parse(absl::string_view text, absl::string_view file) {
  CsvTable table;
  table.file_ = std::string(file);
  // A UTF-8 byte-order mark would otherwise become part of the first column name.
  if (absl::StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  size_t pos = 0;
  int line = 0;
  std::vector<std::string> fields;
  bool have_header = false;
  while (pos < text.size()) {
    ++line;
    MC_RETURN_IF_ERROR(SplitRecord(text, pos, fields, file, line));
    if (fields.size() == 1 && absl::StripAsciiWhitespace(fields[0]).empty()) continue;
    if (!have_header) {
      for (size_t i = 0; i < fields.size(); ++i) {
        std::string name(absl::StripAsciiWhitespace(fields[i]));
        if (!table.by_name_.emplace(name, static_cast<int>(i)).second) {
          return absl::InvalidArgumentError(
              absl::StrCat(file, ":", line, ": duplicate column '", name, "'"));
        }
        table.header_.push_back(std::move(name));
      }
      have_header = true;
      continue;
    }
    if (fields.size() != table.header_.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          file, ":", line, ": expected ", table.header_.size(), " fields, got ", fields.size()));
    }
    table.rows_.push_back(CsvRow{line, fields});
  }
  if (!have_header) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": empty file, expected a header row"));
  }
  return table;
}

absl::StatusOr<int> CsvTable::Column(absl::string_view column) const {
  auto it = by_name_.find(column);
  if (it == by_name_.end()) {
    return absl::InvalidArgumentError(absl::StrCat(file_, ":1: missing column '", column, "'"));
  }
  return it->second;
}

absl::StatusOr<int64_t> ParseNonNegative(absl::string_view text, absl::string_view file, int line,
                                         absl::string_view column) {
  absl::string_view t = absl::StripAsciiWhitespace(text);
  int64_t v = 0;
  if (t.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ":", line, ": column '", column, "': empty, expected an integer"));
  }
  if (!absl::SimpleAtoi(t, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ":", line, ": column '", column, "': not an integer, got '", t, "'"));
  }
  if (v < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ":", line, ": column '", column, "': must be >= 0, got ", v));
  }
  return v;
}

}  // namespace manychip::sim::internal
