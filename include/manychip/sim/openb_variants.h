#pragma once

// Workload variants of an openb pod list, for checking that a policy which
// beats another on one trace is not tuned to that trace's mix.
//
// The FGD paper (ATC'23, section 6) evaluates policies on traces derived from
// the default one by changing the share of one pod class: GPU-sharing pods,
// multi-GPU pods, CPU-only pods, pods constrained to GPU models. We derive
// such variants the same way, by re-weighting classes of the default trace's
// own pods: every pod is kept `w` times in expectation, where `w` is the
// product of the factors of the classes it belongs to (1 for a class not
// named). Integer part: that many copies; fractional part: one more copy with
// that probability, drawn from a fixed seed, so a variant is deterministic.
// The openb protocol then inflates or trims the variant to the same share of
// cluster capacity (`--tune`), so only the mix changes, not the load.
//
// Classes (a pod is in exactly one of the first four, and maybe in the last):
//   cpu       CPU-only pods (no GPU)
//   sharing   a share of one GPU (gpu_milli < 1000)
//   whole     exactly one whole GPU
//   multigpu  two or more whole GPUs
//   typed     pods that accept only some GPU models (non-empty gpu_spec)
//
// Thread-safety: pure functions.
//
//   MC_ASSIGN_OR_RETURN(OpenbVariant v, ParseOpenbVariant("sharing=2,cpu=0.5"));
//   std::vector<OpenbPod> pods2 = DeriveOpenbVariant(pods, v);

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/sim/openb_trace.h"

namespace manychip::sim {

struct OpenbVariant {
  // Per class, the factor in permille (1000 = unchanged).
  int64_t cpu_permille = 1000;
  int64_t sharing_permille = 1000;
  int64_t whole_permille = 1000;
  int64_t multigpu_permille = 1000;
  int64_t typed_permille = 1000;
  uint64_t seed = 1;  // the fractional-copy draws
};

// Parses `class=factor[,class=factor...]` with decimal factors in [0, 100]
// (at most three decimals), e.g. "sharing=2,multigpu=0.5". InvalidArgument
// names the entry and the reason.
absl::StatusOr<OpenbVariant> ParseOpenbVariant(absl::string_view text);

// The re-weighted pod list. Copies of a pod get the suffix `-v<k>` (k >= 1)
// so names stay unique; order follows the input. InvalidArgument when the
// result has no pod that asks for a GPU.
absl::StatusOr<std::vector<OpenbPod>> DeriveOpenbVariant(const std::vector<OpenbPod>& pods,
                                                         const OpenbVariant& variant);

}  // namespace manychip::sim
