#include "adapters/host/cpuinfo.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "manychip/codec/json.h"

namespace manychip::host {

absl::StatusOr<std::vector<CpuinfoBlock>> ReadCpuinfo(const std::string& proc_root) {
  auto text = codec::ReadFile(absl::StrCat(proc_root, "/cpuinfo"));
  if (!text.ok()) return text.status();
  std::vector<CpuinfoBlock> blocks(1);
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (absl::StripAsciiWhitespace(line).empty()) {
      if (!blocks.back().empty()) blocks.emplace_back();
      continue;
    }
    size_t colon = line.find(':');
    if (colon == absl::string_view::npos) continue;
    std::string key(absl::StripAsciiWhitespace(line.substr(0, colon)));
    std::string value(absl::StripAsciiWhitespace(line.substr(colon + 1)));
    blocks.back().emplace(absl::AsciiStrToLower(key), std::move(value));
  }
  if (blocks.back().empty()) blocks.pop_back();
  return blocks;
}

absl::StatusOr<int64_t> CountProcessors(const std::vector<CpuinfoBlock>& blocks,
                                        const std::string& proc_root) {
  int64_t n = 0;
  for (const CpuinfoBlock& b : blocks) n += b.contains("processor");
  if (n == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(proc_root, "/cpuinfo: no \"processor\" entries"));
  }
  return n;
}

absl::StatusOr<int64_t> ReadMemTotalMiB(const std::string& proc_root) {
  const std::string path = absl::StrCat(proc_root, "/meminfo");
  auto text = codec::ReadFile(path);
  if (!text.ok()) return text.status();
  for (absl::string_view line : absl::StrSplit(*text, '\n')) {
    if (!absl::StartsWith(line, "MemTotal:")) continue;
    std::vector<absl::string_view> w = absl::StrSplit(line.substr(9), ' ', absl::SkipWhitespace());
    int64_t kib;
    if (w.size() != 2 || w[1] != "kB" || !absl::SimpleAtoi(w[0], &kib) || kib <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": MemTotal: want \"<n> kB\", got \"", line, "\""));
    }
    return kib / 1024;
  }
  return absl::InvalidArgumentError(absl::StrCat(path, ": no MemTotal line"));
}

std::string FirstValue(const std::vector<CpuinfoBlock>& blocks, absl::string_view key) {
  for (const CpuinfoBlock& b : blocks) {
    auto it = b.find(std::string(key));
    if (it != b.end()) return it->second;
  }
  return "";
}

}  // namespace manychip::host
