#include "adapters/device/kunlun/xpu_smi.h"

#include <algorithm>
#include <initializer_list>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace manychip::kunlun {
namespace {

absl::Status Bad(absl::string_view what, int line, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": line ", line, ": ", why));
}

bool IsHex(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return absl::ascii_isxdigit(static_cast<unsigned char>(c));
  });
}

// "<n> <unit>" or "<n><unit>" with the unit one of `units`.
bool ParseAmount(absl::string_view v, std::initializer_list<absl::string_view> units,
                 int64_t* out) {
  v = absl::StripAsciiWhitespace(v);
  bool had_unit = false;
  for (absl::string_view u : units) {
    if (absl::ConsumeSuffix(&v, u)) {
      had_unit = true;
      break;
    }
  }
  return had_unit && absl::SimpleAtoi(absl::StripAsciiWhitespace(v), out) && *out > 0;
}

// The first whitespace-delimited token after `label` in `line`, or "".
std::string TokenAfter(absl::string_view line, absl::string_view label) {
  size_t at = line.find(label);
  if (at == absl::string_view::npos) return "";
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(line.substr(at + label.size()));
  std::vector<absl::string_view> tok = absl::StrSplit(rest, absl::ByAnyChar(" \t|"));
  return tok.empty() ? "" : std::string(tok[0]);
}

size_t Indent(absl::string_view line) {
  size_t n = 0;
  while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
  return n;
}

absl::Status CheckUnique(const std::vector<XpuSmiDevice>& devices, absl::string_view what) {
  std::set<std::string> buses;
  std::set<int32_t> minors;
  for (const XpuSmiDevice& d : devices) {
    if (!buses.insert(d.pci_bus_id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": bus id ", d.pci_bus_id, " appears twice"));
    }
    if (d.minor >= 0 && !minors.insert(d.minor).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": minor number ", d.minor, " appears twice"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::string NormalizeBusId(absl::string_view text) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  // xpu-smi, like nvidia-smi, prints an 8-digit domain; sysfs uses 4.
  if (s.size() == 16 && absl::StartsWith(s, "0000")) s = s.substr(4);
  // dddd:bb:dd.f
  if (s.size() != 12 || s[4] != ':' || s[7] != ':' || s[10] != '.') return "";
  if (!IsHex(s.substr(0, 4)) || !IsHex(s.substr(5, 2)) || !IsHex(s.substr(8, 2)) ||
      !IsHex(s.substr(11, 1))) {
    return "";
  }
  return s;
}

absl::StatusOr<XpuSmiReport> ParseXpuSmiQuery(absl::string_view text) {
  constexpr absl::string_view kWhat = "xpu-smi -q";
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  XpuSmiReport out;
  int attached = -1;
  // Open sections of the current XPU block: (indent, title).
  std::vector<std::pair<size_t, std::string>> sections;
  std::vector<int> block_line;  // first line of each block, for errors
  for (size_t l = 0; l < lines.size(); ++l) {
    const int line = static_cast<int>(l + 1);
    absl::string_view raw = absl::StripTrailingAsciiWhitespace(lines[l]);
    absl::string_view s = absl::StripLeadingAsciiWhitespace(raw);
    if (s.empty() || absl::StartsWith(s, "=")) continue;
    const size_t indent = Indent(raw);
    // A block header is "XPU <bus id>" (a field like "XPU UUID : ..." is not).
    if (absl::StartsWith(s, "XPU ")) {
      const std::string bus = NormalizeBusId(s.substr(4));
      if (!bus.empty()) {
        XpuSmiDevice d;
        d.index = static_cast<int32_t>(out.devices.size());
        d.pci_bus_id = bus;
        out.devices.push_back(std::move(d));
        block_line.push_back(line);
        sections.clear();
        sections.emplace_back(indent, "XPU");
        continue;
      }
    }
    const size_t colon = s.find(':');
    if (colon == absl::string_view::npos) {
      // A section title ("PCI", "Memory Usage", ...) inside a block.
      if (out.devices.empty()) return Bad(kWhat, line, absl::StrCat("unexpected \"", s, "\""));
      while (!sections.empty() && sections.back().first >= indent) sections.pop_back();
      if (sections.empty()) return Bad(kWhat, line, absl::StrCat("\"", s, "\" is outside a block"));
      sections.emplace_back(indent, std::string(s));
      continue;
    }
    const absl::string_view key = absl::StripAsciiWhitespace(s.substr(0, colon));
    const absl::string_view value = absl::StripAsciiWhitespace(s.substr(colon + 1));
    if (key.empty()) return Bad(kWhat, line, absl::StrCat("no field name in \"", s, "\""));
    if (out.devices.empty()) {
      if (key == "Driver Version") out.driver_version = std::string(value);
      if (key == "XPU-RT Version") out.runtime_version = std::string(value);
      if (key == "Attached XPUs" && (!absl::SimpleAtoi(value, &attached) || attached < 0)) {
        return Bad(kWhat, line, absl::StrCat("Attached XPUs \"", value, "\" is not a count"));
      }
      continue;
    }
    while (!sections.empty() && sections.back().first >= indent) sections.pop_back();
    if (sections.empty()) {
      return Bad(kWhat, line, absl::StrCat("field \"", key, "\" is outside an XPU block"));
    }
    const std::string& section = sections.back().second;
    XpuSmiDevice& d = out.devices.back();
    if (section == "XPU") {
      if (key == "Product Name") d.name = std::string(value);
      if (key == "XPU UUID") d.uuid = std::string(value);
      if (key == "Minor Number" && (!absl::SimpleAtoi(value, &d.minor) || d.minor < 0)) {
        return Bad(kWhat, line, absl::StrCat("Minor Number \"", value, "\" is not a number"));
      }
    } else if (section == "PCI" && key == "Bus Id") {
      if (NormalizeBusId(value) != d.pci_bus_id) {
        return Bad(kWhat, line,
                   absl::StrCat("Bus Id \"", value, "\" differs from the block's ", d.pci_bus_id));
      }
    } else if (section == "Memory Usage" && key == "Total") {
      if (!ParseAmount(value, {"MiB"}, &d.memory_mib)) {
        return Bad(kWhat, line, absl::StrCat("memory total \"", value, "\" is not <n> MiB"));
      }
    }
  }
  if (out.devices.empty()) {
    if (attached == 0) return out;
    return absl::InvalidArgumentError(
        absl::StrCat(kWhat, ": no \"XPU <bus id>\" block",
                     out.driver_version.empty() ? " (empty or not xpu-smi output)" : ""));
  }
  for (size_t i = 0; i < out.devices.size(); ++i) {
    const XpuSmiDevice& d = out.devices[i];
    const auto missing = [&](absl::string_view field) {
      return Bad(kWhat, block_line[i],
                 absl::StrCat("XPU ", d.pci_bus_id, " has no ", field, " (output truncated?)"));
    };
    if (d.name.empty()) return missing("Product Name");
    if (d.memory_mib <= 0) return missing("Memory Usage Total");
  }
  if (attached >= 0 && static_cast<size_t>(attached) != out.devices.size()) {
    return absl::InvalidArgumentError(absl::StrCat(kWhat, ": Attached XPUs is ", attached, " but ",
                                                   out.devices.size(),
                                                   " blocks follow (output truncated?)"));
  }
  if (out.driver_version.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(kWhat, ": no Driver Version"));
  }
  if (absl::Status s = CheckUnique(out.devices, kWhat); !s.ok()) return s;
  return out;
}

absl::StatusOr<XpuSmiReport> ParseXpuSmiTable(absl::string_view text) {
  constexpr absl::string_view kWhat = "xpu-smi";
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  XpuSmiReport out;
  // The P800-era row holding index and name; its memory is on the next row.
  int pending = -1;
  int pending_line = 0;
  std::set<int32_t> seen;
  auto add = [&](XpuSmiDevice d, int line) -> absl::Status {
    if (!seen.insert(d.index).second)
      return Bad(kWhat, line, absl::StrCat("XPU ", d.index, " twice"));
    out.devices.push_back(std::move(d));
    return absl::OkStatus();
  };
  for (size_t l = 0; l < lines.size(); ++l) {
    const int line = static_cast<int>(l + 1);
    absl::string_view s = absl::StripAsciiWhitespace(lines[l]);
    if (s.empty()) continue;
    if (absl::StrContains(s, "Driver Version:"))
      out.driver_version = TokenAfter(s, "Driver Version:");
    if (absl::StrContains(s, "XPU-RT Version:"))
      out.runtime_version = TokenAfter(s, "XPU-RT Version:");
    if (absl::StrContains(s, "Runtime Version:")) {
      out.runtime_version = TokenAfter(s, "Runtime Version:");
    }
    if (!absl::StartsWith(s, "|") || !absl::EndsWith(s, "|") || s.size() < 2) continue;
    std::vector<absl::string_view> cells = absl::StrSplit(s.substr(1, s.size() - 2), '|');
    for (absl::string_view& c : cells) c = absl::StripAsciiWhitespace(c);
    if (pending >= 0) {
      // "| N/A 38C N/A 85W / 400W | 0MiB / 98304MiB | 0% Default |"
      XpuSmiDevice& d = out.devices[pending];
      std::vector<absl::string_view> mem =
          cells.size() >= 2 ? absl::StrSplit(cells[1], '/') : std::vector<absl::string_view>{};
      if (mem.size() != 2 || !ParseAmount(mem[1], {"MiB"}, &d.memory_mib)) {
        return Bad(kWhat, line,
                   absl::StrCat("XPU ", d.index, ": want \"<used>MiB / <total>MiB\" after line ",
                                pending_line));
      }
      pending = -1;
      continue;
    }
    if (cells.size() == 3) {
      // "| 0  P800 OAM  N/A | 00000000:52:00.0 N/A | 0 |"
      std::vector<absl::string_view> first =
          absl::StrSplit(cells[0], absl::ByAnyChar(" \t"), absl::SkipEmpty());
      std::vector<absl::string_view> second =
          absl::StrSplit(cells[1], absl::ByAnyChar(" \t"), absl::SkipEmpty());
      XpuSmiDevice d;
      if (first.size() < 3 || second.empty() || !absl::SimpleAtoi(first[0], &d.index)) continue;
      d.pci_bus_id = NormalizeBusId(second[0]);
      if (d.pci_bus_id.empty()) {
        return Bad(kWhat, line,
                   absl::StrCat("XPU ", first[0], ": \"", second[0], "\" is not a bus id"));
      }
      if (d.index < 0) return Bad(kWhat, line, absl::StrCat("XPU index ", d.index));
      // Name is everything between the index and Persistence-M.
      d.name = absl::StrJoin(first.begin() + 1, first.end() - 1, " ");
      pending = static_cast<int>(out.devices.size());
      pending_line = line;
      if (absl::Status st = add(std::move(d), line); !st.ok()) return st;
      continue;
    }
    if (cells.size() == 8 && NormalizeBusId(cells[1]) != "") {
      // Kunlun2: "| 0 | 0000:53:00.0 | R300 | SN | /dev/xpu0 | 0 % | 0 / 63 MB | 0 / 32768 MB |"
      XpuSmiDevice d;
      if (!absl::SimpleAtoi(cells[0], &d.index) || d.index < 0) {
        return Bad(kWhat, line, absl::StrCat("DevID \"", cells[0], "\" is not an index"));
      }
      d.pci_bus_id = NormalizeBusId(cells[1]);
      d.name = std::string(cells[2]);
      std::vector<absl::string_view> mem = absl::StrSplit(cells[7], '/');
      if (mem.size() != 2 || !ParseAmount(mem[1], {"MB", "MiB"}, &d.memory_mib)) {
        return Bad(kWhat, line,
                   absl::StrCat("XPU ", d.index, ": memory \"", cells[7],
                                "\" is not <used> / <total> MB"));
      }
      if (d.name.empty()) return Bad(kWhat, line, absl::StrCat("XPU ", d.index, " has no model"));
      if (absl::Status st = add(std::move(d), line); !st.ok()) return st;
    }
  }
  if (pending >= 0) {
    return Bad(
        kWhat, pending_line,
        absl::StrCat("XPU ", out.devices[pending].index, " has no memory row (output truncated?)"));
  }
  if (out.driver_version.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(kWhat, ": no \"Driver Version:\" (empty or not xpu-smi output)"));
  }
  std::sort(out.devices.begin(), out.devices.end(),
            [](const XpuSmiDevice& a, const XpuSmiDevice& b) { return a.index < b.index; });
  for (size_t i = 0; i < out.devices.size(); ++i) {
    if (out.devices[i].index != static_cast<int32_t>(i)) {
      return absl::InvalidArgumentError(absl::StrCat(
          kWhat, ": XPU indexes are not 0..", out.devices.size() - 1, " (output truncated?)"));
    }
  }
  if (absl::Status s = CheckUnique(out.devices, kWhat); !s.ok()) return s;
  return out;
}

}  // namespace manychip::kunlun
