#pragma once

// Command-line parsing for manychip-sim: `--name value` / `--name=value`
// pairs after a mode word, with typed getters that return InvalidArgument
// naming the flag. Each mode lists its flags as FlagSpecs, which are both the
// known names and the `--help` text.
//
//   const std::vector<FlagSpec> kSpecs = {{"seed", "42", "scheduler seed"}};
//   MC_ASSIGN_OR_RETURN(Flags flags, Flags::Parse(argc, argv, 2));
//   if (flags.HelpRequested()) { std::fputs(FlagsHelp("gen", "...", kSpecs).c_str(), stdout); }
//   MC_RETURN_IF_ERROR(flags.CheckKnown(kSpecs));

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace manychip::sim_app {

// One flag of a mode: its name without dashes, its default as shown in
// `--help` ("" = none; "required" marks a flag without one) and what it is.
struct FlagSpec {
  std::string name;
  std::string default_text;
  std::string help;
};

// "usage: manychip-sim <mode> [flags]", the summary, then one line per flag
// with its default.
std::string FlagsHelp(const std::string& mode, const std::string& summary,
                      const std::vector<FlagSpec>& specs);

class Flags {
 public:
  // argv[first..] are flags. Unknown flags are reported by CheckKnown.
  static absl::StatusOr<Flags> Parse(int argc, char** argv, int first);

  bool Has(const std::string& name) const { return values_.contains(name); }
  // `--help` or `-h` was given (anywhere after the mode word).
  bool HelpRequested() const { return help_; }
  std::string Get(const std::string& name, const std::string& def) const;
  absl::StatusOr<int64_t> GetInt(const std::string& name, int64_t def) const;
  absl::Status CheckKnown(const std::vector<FlagSpec>& known) const;

 private:
  std::map<std::string, std::string> values_;
  bool help_ = false;
};

// "42-51" or "42,43,50" -> seeds.
absl::StatusOr<std::vector<uint64_t>> ParseSeeds(const std::string& text);
// "1.3" -> 1300 permille, exactly (at most three decimals).
absl::StatusOr<int64_t> ParsePermille(const std::string& text, const std::string& flag);

}  // namespace manychip::sim_app
