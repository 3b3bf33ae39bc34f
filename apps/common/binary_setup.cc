#include "apps/common/binary_setup.h"

#include <memory>

#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

#ifndef MANYCHIP_VERSION
#error "MANYCHIP_VERSION must be the project version (set by CMake)"
#endif

namespace manychip {
namespace {

// The binary's own flags live in apps/<binary>/; absl's and the libraries'
// stay out of `--help` (they remain under `--helpfull`).
bool IsAppFlagFile(absl::string_view file) { return absl::StrContains(file, "apps/"); }

}  // namespace

std::string VersionLine(absl::string_view name) {
  return absl::StrCat(name, " ", MANYCHIP_VERSION);
}

void SetUpBinary(absl::string_view name, absl::string_view usage) {
  // An unnamed logger, as the default one is: messages already say who speaks.
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "", std::make_shared<spdlog::sinks::stderr_color_sink_mt>()));

  absl::FlagsUsageConfig config;
  config.contains_help_flags = IsAppFlagFile;
  config.contains_helpshort_flags = IsAppFlagFile;
  const std::string version = absl::StrCat(VersionLine(name), "\n");
  config.version_string = [version] { return version; };
  absl::SetFlagsUsageConfig(config);
  absl::SetProgramUsageMessage(usage);
}

}  // namespace manychip
