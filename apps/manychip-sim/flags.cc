#include "apps/manychip-sim/flags.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace manychip::sim_app {

absl::StatusOr<Flags> Flags::Parse(int argc, char** argv, int first) {
  Flags f;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      f.help_ = true;
      continue;
    }
    if (!absl::StartsWith(a, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", a, "'"));
    }
    a = a.substr(2);
    std::string value;
    if (size_t eq = a.find('='); eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
    } else if (i + 1 < argc && !absl::StartsWith(argv[i + 1], "--")) {
      value = argv[++i];
    } else {
      value = "true";
    }
    f.values_[a] = value;
  }
  return f;
}

std::string Flags::Get(const std::string& name, const std::string& def) const {
  auto it = values_.find(name);
  return it == values_.end() ? def : it->second;
}

absl::StatusOr<int64_t> Flags::GetInt(const std::string& name, int64_t def) const {
  auto it = values_.find(name);
  if (it == values_.end()) return def;
  int64_t v;
  if (!absl::SimpleAtoi(it->second, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", name, ": not an integer, got '", it->second, "'"));
  }
  return v;
}

absl::Status Flags::CheckKnown(const std::vector<FlagSpec>& known) const {
  for (const auto& [k, v] : values_) {
    bool ok = false;
    for (const FlagSpec& spec : known) ok = ok || spec.name == k;
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown flag --", k, " (known: --",
          absl::StrJoin(known, ", --",
                        [](std::string* out, const FlagSpec& spec) { out->append(spec.name); }),
          "; see --help)"));
    }
  }
  return absl::OkStatus();
}

std::string FlagsHelp(const std::string& mode, const std::string& summary,
                      const std::vector<FlagSpec>& specs) {
  std::string out = absl::StrCat("usage: manychip-sim ", mode, " [flags]\n", summary, "\nflags:\n");
  for (const FlagSpec& spec : specs) {
    absl::StrAppend(&out, "  --", spec.name, "\n      ", spec.help);
    if (spec.default_text == "required") {
      absl::StrAppend(&out, " (required)");
    } else if (!spec.default_text.empty()) {
      absl::StrAppend(&out, " (default: ", spec.default_text, ")");
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

absl::StatusOr<std::vector<uint64_t>> ParseSeeds(const std::string& text) {
  std::vector<uint64_t> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::vector<absl::string_view> r = absl::StrSplit(part, '-');
    uint64_t lo, hi;
    if (r.size() == 1 && absl::SimpleAtoi(r[0], &lo)) {
      out.push_back(lo);
      continue;
    }
    if (r.size() != 2 || !absl::SimpleAtoi(r[0], &lo) || !absl::SimpleAtoi(r[1], &hi) || lo > hi ||
        hi - lo > 100000) {
      return absl::InvalidArgumentError(
          absl::StrCat("--seeds: expected N, N-M or a comma list, got '", part, "'"));
    }
    for (uint64_t s = lo; s <= hi; ++s) out.push_back(s);
  }
  if (out.empty()) return absl::InvalidArgumentError("--seeds: empty");
  return out;
}

absl::StatusOr<int64_t> ParsePermille(const std::string& text, const std::string& flag) {
  std::vector<std::string> parts = absl::StrSplit(text, '.');
  int64_t whole = 0, frac = 0;
  auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, ": expected a non-negative decimal with at most 3 decimals, got '", text, "'"));
  };
  if (parts.size() > 2 || parts[0].empty() || !absl::SimpleAtoi(parts[0], &whole) || whole < 0 ||
      whole > 1000000) {
    return bad();
  }
  if (parts.size() == 2) {
    std::string f = parts[1];
    if (f.empty() || f.size() > 3 || f.find_first_not_of("0123456789") != std::string::npos) {
      return bad();
    }
    while (f.size() < 3) f.push_back('0');
    if (!absl::SimpleAtoi(f, &frac)) return bad();
  }
  return whole * 1000 + frac;
}

}  // namespace manychip::sim_app
