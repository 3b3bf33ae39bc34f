#include "adapters/common/smi_output.h"

#include <algorithm>
#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace manychip {
namespace {

absl::Status Bad(absl::string_view what, int line, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(what, ": line ", line, ": ", why));
}

// Drops ANSI escape sequences (nvidia-smi underlines the topo header).
std::string StripAnsi(absl::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\x1b') {
      while (i < s.size() && !absl::ascii_isalpha(static_cast<unsigned char>(s[i]))) ++i;
      continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string ColumnKey(absl::string_view h) {
  h = absl::StripAsciiWhitespace(h);
  if (size_t b = h.find('['); b != absl::string_view::npos) h = h.substr(0, b);
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(h));
}

bool ParseMiB(absl::string_view v, int64_t* out) {
  v = absl::StripAsciiWhitespace(v);
  absl::ConsumeSuffix(&v, "MiB");
  v = absl::StripAsciiWhitespace(v);
  return absl::SimpleAtoi(v, out) && *out > 0;
}

std::string NormalizeBusId(absl::string_view v) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(v));
  // nvidia-smi prints an 8-digit domain ("00000000:1A:00.0"); sysfs uses 4.
  if (size_t colon = s.find(':'); colon == 8 && absl::StartsWith(s, "0000")) s = s.substr(4);
  return s;
}

}  // namespace

absl::StatusOr<std::vector<SmiGpu>> ParseQueryGpuCsv(absl::string_view text,
                                                     absl::string_view what) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n', absl::SkipWhitespace());
  if (lines.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": empty output"));
  std::map<std::string, int> col;
  std::vector<absl::string_view> header = absl::StrSplit(lines[0], ',');
  for (size_t i = 0; i < header.size(); ++i) col[ColumnKey(header[i])] = static_cast<int>(i);
  for (const char* need : {"index", "uuid", "name", "memory.total"}) {
    if (!col.contains(need)) {
      return Bad(what, 1, absl::StrCat("header lacks column \"", need, "\""));
    }
  }
  std::vector<SmiGpu> out;
  std::vector<bool> seen;
  for (size_t l = 1; l < lines.size(); ++l) {
    const int line = static_cast<int>(l + 1);
    std::vector<absl::string_view> f = absl::StrSplit(lines[l], ',');
    if (f.size() != header.size()) {
      return Bad(what, line, absl::StrCat("want ", header.size(), " fields, got ", f.size()));
    }
    auto field = [&](const char* name) {
      return std::string(absl::StripAsciiWhitespace(f[col[name]]));
    };
    SmiGpu g;
    if (!absl::SimpleAtoi(field("index"), &g.index) || g.index < 0 || g.index > 1023) {
      return Bad(what, line, absl::StrCat("index \"", field("index"), "\" is not a device index"));
    }
    g.uuid = field("uuid");
    g.name = field("name");
    if (g.uuid.empty() || g.name.empty()) return Bad(what, line, "empty uuid or name");
    if (!ParseMiB(field("memory.total"), &g.memory_mib)) {
      return Bad(
          what, line,
          absl::StrCat("memory.total \"", field("memory.total"), "\" is not a positive MiB count"));
    }
    if (col.contains("pci.bus_id")) g.pci_bus_id = NormalizeBusId(field("pci.bus_id"));
    if (col.contains("driver_version")) {
      g.driver_version = field("driver_version");
      if (g.driver_version.empty() || g.driver_version.find(' ') != std::string::npos) {
        return Bad(what, line,
                   absl::StrCat("driver_version \"", g.driver_version, "\" is not a version"));
      }
    }
    if (static_cast<size_t>(g.index) >= seen.size()) seen.resize(g.index + 1, false);
    if (seen[g.index]) return Bad(what, line, absl::StrCat("duplicate index ", g.index));
    seen[g.index] = true;
    out.push_back(std::move(g));
  }
  if (out.empty()) return absl::InvalidArgumentError(absl::StrCat(what, ": header but no devices"));
  if (seen.size() != out.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": device indexes are not 0..", out.size() - 1, " (output truncated?)"));
  }
  std::sort(out.begin(), out.end(),
            [](const SmiGpu& a, const SmiGpu& b) { return a.index < b.index; });
  return out;
}

absl::StatusOr<TopoMatrix> ParseTopoMatrix(absl::string_view text, absl::string_view prefix,
                                           absl::string_view what,
                                           absl::Span<const absl::string_view> high_speed_words) {
  const std::string clean = StripAnsi(text);
  std::vector<absl::string_view> lines = absl::StrSplit(clean, '\n');
  auto is_dev = [&](absl::string_view tok, int32_t* idx) {
    return absl::ConsumePrefix(&tok, prefix) && !tok.empty() && absl::SimpleAtoi(tok, idx);
  };
  int header_line = -1;
  int32_t n = 0;
  bool has_numa = false;
  TopoMatrix m;
  std::vector<bool> row_seen;
  for (size_t l = 0; l < lines.size(); ++l) {
    const int line = static_cast<int>(l + 1);
    absl::string_view raw = lines[l];
    if (absl::StartsWith(absl::StripAsciiWhitespace(raw), "Legend")) break;
    std::vector<absl::string_view> tok =
        absl::StrSplit(raw, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (tok.empty()) continue;
    int32_t idx;
    if (header_line < 0) {
      // Header: device labels first, then affinity column titles.
      while (n < static_cast<int32_t>(tok.size()) && is_dev(tok[n], &idx)) {
        if (idx != n) return Bad(what, line, absl::StrCat("column ", n, " is ", tok[n]));
        ++n;
      }
      if (n == 0) continue;  // preamble
      has_numa = absl::StrContains(raw, "NUMA Affinity");
      header_line = line;
      m.size = n;
      m.links.assign(n, std::vector<DeviceLinkSpec>(n));
      m.numa.assign(n, -1);
      row_seen.assign(n, false);
      continue;
    }
    if (!is_dev(tok[0], &idx)) continue;  // NIC rows and the like
    if (idx < 0 || idx >= n) return Bad(what, line, absl::StrCat(tok[0], " is not in the header"));
    if (row_seen[idx]) return Bad(what, line, absl::StrCat("duplicate row ", tok[0]));
    row_seen[idx] = true;
    if (static_cast<int32_t>(tok.size()) < n + 1) {
      return Bad(what, line, absl::StrCat("want ", n, " link codes, got ", tok.size() - 1));
    }
    for (int32_t j = 0; j < n; ++j) {
      absl::string_view code = tok[j + 1];
      DeviceLinkSpec link;
      link.peer = j;
      if (j == idx) {
        if (code != "X") return Bad(what, line, absl::StrCat("diagonal is \"", code, "\", want X"));
        continue;
      }
      if (code == "PIX")
        link.link_class = LinkClass::kSingleSwitch;
      else if (code == "PXB")
        link.link_class = LinkClass::kMultiSwitch;
      else if (code == "PHB")
        link.link_class = LinkClass::kHostBridge;
      else if (code == "NODE" || code == "SOC")
        link.link_class = LinkClass::kSameCpu;
      else if (code == "SYS")
        link.link_class = LinkClass::kCrossCpu;
      else if (code == "NA")
        link.link_class = LinkClass::kUnknown;
      else if (std::find(high_speed_words.begin(), high_speed_words.end(), code) !=
               high_speed_words.end())
        link.link_class = LinkClass::kHighSpeed;
      else {
        size_t digits = code.find_first_of("0123456789");
        absl::string_view letters = code.substr(0, digits);
        int32_t lanes = 0;
        if (digits == 0 || digits == absl::string_view::npos || letters.size() > 6 ||
            !std::all_of(
                letters.begin(), letters.end(),
                [](char c) { return absl::ascii_isupper(static_cast<unsigned char>(c)); }) ||
            !absl::SimpleAtoi(code.substr(digits), &lanes) || lanes <= 0) {
          return Bad(what, line, absl::StrCat("unknown link code \"", code, "\""));
        }
        link.link_class = LinkClass::kHighSpeed;
        link.lanes = lanes;
      }
      m.links[idx][j] = link;
    }
    if (has_numa) {
      // Affinity columns: CPU list, then NUMA node ("N/A" = unknown).
      if (static_cast<int32_t>(tok.size()) < n + 3) {
        return Bad(what, line, "missing CPU/NUMA affinity columns");
      }
      absl::string_view numa = tok[n + 2];
      int32_t v = -1;
      if (numa != "N/A" && (!absl::SimpleAtoi(numa, &v) || v < 0)) {
        return Bad(what, line, absl::StrCat("NUMA affinity \"", numa, "\" is not a node"));
      }
      m.numa[idx] = v;
    }
  }
  if (header_line < 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": no ", prefix, " header row"));
  }
  for (int32_t i = 0; i < n; ++i) {
    if (!row_seen[i]) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": no row for ", prefix, i, " (output truncated?)"));
    }
  }
  for (int32_t i = 0; i < n; ++i) {
    for (int32_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const DeviceLinkSpec& a = m.links[i][j];
      const DeviceLinkSpec& b = m.links[j][i];
      if (a.link_class != b.link_class || a.lanes != b.lanes) {
        return absl::InvalidArgumentError(absl::StrCat(what, ": ", prefix, i, "-", prefix, j,
                                                       " and ", prefix, j, "-", prefix, i,
                                                       " disagree"));
      }
    }
  }
  return m;
}

absl::Status ApplyTopo(const TopoMatrix& topo, std::vector<DeviceSpec>& devices,
                       absl::string_view what) {
  if (static_cast<size_t>(topo.size) != devices.size()) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": topology has ", topo.size,
                                                   " devices, inventory has ", devices.size()));
  }
  for (int32_t i = 0; i < topo.size; ++i) {
    devices[i].links.clear();
    for (int32_t j = 0; j < topo.size; ++j) {
      if (i != j) devices[i].links.push_back(topo.links[i][j]);
    }
    if (topo.numa[i] >= 0) devices[i].numa_node = topo.numa[i];
  }
  return absl::OkStatus();
}

bool AllPairsHighSpeed(const std::vector<DeviceSpec>& devices) {
  for (const DeviceSpec& d : devices) {
    int high = 0;
    for (const DeviceLinkSpec& l : d.links) high += l.link_class == LinkClass::kHighSpeed;
    if (high + 1 != static_cast<int>(devices.size())) return false;
  }
  return !devices.empty();
}

}  // namespace manychip
