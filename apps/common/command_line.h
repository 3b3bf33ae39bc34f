#pragma once

// Command lines of manychip's binaries accept `--flag-name` as well as absl's
// `--flag_name` (the documented spelling is the dashed one, as in
// `manychip-agent --discover --dry-run --sysfs-root DIR`).
//
//   int main(int argc, char** argv) {
//     manychip::NormalizeDashedFlags(argc, argv);
//     absl::ParseCommandLine(argc, argv);
//   }

namespace manychip {

// Rewrites, in place, the name part of every `--a-b[=v]` argument to
// `--a_b[=v]`. Values, positional arguments and everything after a bare `--`
// are left alone.
void NormalizeDashedFlags(int argc, char** argv);

}  // namespace manychip
