#pragma once

// Command-line parsing for manychip-sim: `--name value` / `--name=value`
// pairs after a mode word, with typed getters that return InvalidArgument
// naming the flag.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace manychip::sim_app {

class Flags {
 public:
  // argv[first..] are flags. Unknown flags are reported by CheckKnown.
  static absl::StatusOr<Flags> Parse(int argc, char** argv, int first);

  bool Has(const std::string& name) const { return values_.contains(name); }
  std::string Get(const std::string& name, const std::string& def) const;
  absl::StatusOr<int64_t> GetInt(const std::string& name, int64_t def) const;
  absl::Status CheckKnown(const std::vector<std::string>& known) const;

 private:
  std::map<std::string, std::string> values_;
};

// "42-51" or "42,43,50" -> seeds.
absl::StatusOr<std::vector<uint64_t>> ParseSeeds(const std::string& text);
// "1.3" -> 1300 permille, exactly (at most three decimals).
absl::StatusOr<int64_t> ParsePermille(const std::string& text, const std::string& flag);

}  // namespace manychip::sim_app
