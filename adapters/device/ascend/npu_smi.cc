#include "adapters/device/ascend/npu_smi.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace manychip::ascend {
namespace {

absl::Status Bad(int line, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("npu-smi info: line ", line, ": ", why));
}

std::vector<std::string> Cells(absl::string_view line) {
  std::vector<std::string> out;
  for (absl::string_view c : absl::StrSplit(line, '|')) {
    out.emplace_back(absl::StripAsciiWhitespace(c));
  }
  // Drop the empty cells outside the first and last '|'.
  if (!out.empty() && out.front().empty()) out.erase(out.begin());
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

std::vector<std::string> Words(absl::string_view s) {
  return absl::StrSplit(s, absl::ByAnyChar(" \t"), absl::SkipEmpty());
}

bool IsInt(absl::string_view s, int32_t* v) { return absl::SimpleAtoi(s, v) && *v >= 0; }

bool IsBusId(absl::string_view s) {
  // dddd:bb:dd.f
  if (s.size() != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.') return false;
  for (size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 8u, 9u, 11u}) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// Totals of "used / total" pairs in a usage cell, in order.
std::vector<int64_t> Totals(absl::string_view cell) {
  std::vector<int64_t> out;
  std::vector<std::string> w = Words(cell);
  for (size_t i = 0; i + 2 < w.size(); ++i) {
    int64_t used, total;
    if (w[i + 1] == "/" && absl::SimpleAtoi(w[i], &used) && absl::SimpleAtoi(w[i + 2], &total)) {
      out.push_back(total);
      i += 2;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<NpuSmiInfo> ParseNpuSmiInfo(absl::string_view text) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return absl::InvalidArgumentError("npu-smi info: empty output");
  }
  NpuSmiInfo info;
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  bool have_title = false;
  // The NPU row waiting for its chip rows.
  bool pending = false;
  int pending_line = 0;
  int pending_chips = 0;
  int32_t npu_id = -1;
  std::string name, health;
  for (size_t l = 0; l < lines.size(); ++l) {
    const int line = static_cast<int>(l + 1);
    absl::string_view raw = absl::StripTrailingAsciiWhitespace(lines[l]);
    if (!absl::StartsWith(raw, "|")) continue;  // borders, blank lines
    if (raw.size() < 2 || !absl::EndsWith(raw, "|")) {
      return Bad(line, "row not closed by '|' (output truncated?)");
    }
    if (absl::StrContains(raw, "Process id") || absl::StrContains(raw, "No running processes")) {
      break;  // the process table: not inventory
    }
    if (absl::StrContains(raw, "npu-smi") && absl::StrContains(raw, "Version:")) {
      absl::string_view v = raw.substr(raw.find("Version:") + 8);
      v = absl::StripAsciiWhitespace(v.substr(0, v.find('|')));
      if (v.empty()) return Bad(line, "title row without a version");
      info.version = std::string(v);
      have_title = true;
      continue;
    }
    std::vector<std::string> cells = Cells(raw);
    if (cells.size() < 3) return Bad(line, absl::StrCat("want 3 cells, got ", cells.size()));
    std::vector<std::string> first = Words(cells[0]);
    int32_t id;
    if (first.empty() || !IsInt(first[0], &id)) continue;  // column titles
    const bool chip_row = IsBusId(absl::AsciiStrToLower(cells[1]));
    if (!chip_row) {
      // NPU row: "<id> <name>" | health | power temp ...
      if (pending && pending_chips == 0) return Bad(pending_line, "NPU row without a chip row");
      if (first.size() < 2) return Bad(line, "NPU row without a name");
      if (cells[1].empty() || Words(cells[1]).size() != 1) {
        return Bad(line, absl::StrCat("health \"", cells[1], "\" is not one word"));
      }
      npu_id = id;
      name = first[1];
      health = cells[1];
      pending = true;
      pending_line = line;
      pending_chips = 0;
      continue;
    }
    if (!pending) return Bad(line, "chip row before any NPU row");
    NpuChip c;
    c.npu_id = npu_id;
    c.chip_id = id;
    if (first.size() >= 2 && !IsInt(first[1], &c.device_id)) {
      return Bad(line, absl::StrCat("device id \"", first[1], "\" is not a number"));
    }
    c.name = name;
    c.health = health;
    c.bus_id = absl::AsciiStrToLower(cells[1]);
    std::vector<int64_t> totals = Totals(cells[2]);
    if (totals.empty()) return Bad(line, "no \"used / total\" memory figures");
    c.memory_total_mib = totals.back() > 0 ? totals.back() : totals.front();
    if (c.memory_total_mib <= 0) return Bad(line, "memory total is 0");
    ++pending_chips;
    info.chips.push_back(std::move(c));
  }
  if (!have_title) return absl::InvalidArgumentError("npu-smi info: no title row with a version");
  if (pending && pending_chips == 0)
    return Bad(pending_line, "NPU row without a chip row (output truncated?)");
  // Bus ids and (npu, chip) pairs are unique on a sane host.
  for (size_t i = 0; i < info.chips.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (info.chips[i].bus_id == info.chips[j].bus_id ||
          (info.chips[i].npu_id == info.chips[j].npu_id &&
           info.chips[i].chip_id == info.chips[j].chip_id)) {
        return absl::InvalidArgumentError(absl::StrCat("npu-smi info: NPU ", info.chips[i].npu_id,
                                                       " chip ", info.chips[i].chip_id,
                                                       " listed twice"));
      }
    }
  }
  return info;
}

}  // namespace manychip::ascend
