#pragma once

// Board topology rules and the bitmask engine every device adapter's Choose
// runs on.
//
// A board is a product shape (`NodeSpec::board`): how many devices it has,
// which device sets may be handed out together, and which sets are better.
// Legal sets are precomputed once per board as bitmasks (bit i = device
// index i), so Choose is a scan over a short vector with popcounts: no
// allocation besides the result, well under a microsecond for 8 devices.
//
// Built-in boards (rules and sources in docs/design/vendors.md; keep this list in sync
// with BuiltinBoards() and the adapter headers):
//   nvidia:  hgx-8 (NVSwitch, any 1-8, NUMA halves preferred), pcie (any
//            subset, NUMA-packed)
//   ascend:  ascend-910a-module (rings 0-3 / 4-7: 1/2/4 in one ring, 8),
//            ascend-910a-half (1/2/4), atlas-800t-a2 (910B full mesh, any 1-8),
//            atlas-box16 (rings of 8: 1-8 in one ring, 10/12/14 split evenly at
//            the same offsets, 16), ascend-a3-16 (die pairs: 1, or even counts
//            of whole modules), ascend-310p-card (Duo cards of 2 chips: <= 2 on
//            one card, more as whole cards), ascend-310p-chip (any chips)
//   kunlun:  kunlun-p800-8 (groups 0-3 / 4-7: 1/2/4 in one group, 8)
//   ppu:     ppu-16 (aligned blocks of 1/2/4/8/16; block alignment is our
//            assumption, docs/design/vendors.md has only the 1/2/4/8/16 rule)
//   cambricon: cambricon-mlu370-x8, cambricon-mlu590-h8 (MLU-Link rings: 1 or
//            an even 2-8; ring membership unverified, so any set of a legal
//            size, dual-chip cards / halves preferred)
//   metax:   metax-c500-8 (MetaXLink groups 0-3 / 4-7 preferred, any count;
//            the group size is our assumption)
//
// Thread-safety: the rule tables are immutable after first use (built inside
// a function-local static); all functions are safe to call concurrently.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "manychip/adapters/device_adapter.h"

namespace manychip::topology {

using Mask = uint64_t;
inline constexpr int kMaxDevices = 64;

// How feasible legal sets are ranked against each other.
enum class Preference : uint8_t {
  // Fewest free devices left in the groups the set touches (best fit, keeps
  // whole groups free for large requests). Nested groups count at each level.
  kBestFitGroup,
  // MindCluster's 910A ring order by free NPUs in the ring before the pick:
  // request 1: 1 > 3 > 2 > 4, request 2: 2 > 4 > 3, request 4: 4.
  kAscend910ARing,
};

struct BoardRule {
  std::string board;         // NodeSpec::board value
  std::string vendor;        // adapter vendor key that owns the board
  std::string link_name;     // "HCCS", "NVLink", "XPU Link", ... for reasons
  int32_t device_count = 0;  // devices the board has
  // Link groups (rings, NUMA halves, modules, blocks) as masks.
  std::vector<Mask> groups;
  // legal[k]: every legal k-device set, ascending mask order (deterministic
  // tie-break). Empty vector = k is never legal. Size device_count + 1.
  std::vector<std::vector<Mask>> legal;
  Preference preference = Preference::kBestFitGroup;
  // Human-readable legal counts, e.g. "1, 2, 4, 8".
  std::string legal_counts;
  // Whether fractional shares of one device may be handed out.
  bool allows_sharing = true;
};

// Every built-in fixed-size board.
const std::vector<BoardRule>& BuiltinBoards();

// The rule for `board` on a node with `device_count` devices: a fixed-size
// built-in board (only if the count matches), or a variable-size board
// ("pcie", "ascend-310p-card", "ascend-310p-chip") built for that count.
// nullptr if unknown or the count does not fit the board.
const BoardRule* FindBoard(absl::string_view board, int32_t device_count);

// True if `board` names a built-in board shape of any size.
bool IsKnownBoard(absl::string_view board);

// Chooses on a board with enumerated legal sets.
ChooseResult ChooseOnBoard(const BoardRule& rule, const NodeSpec& node,
                           absl::Span<const MilliDevices> free, const ChooseRequest& request);

// Chooses any `request.cards` devices with no link rule: NUMA-packed best fit
// (fewest NUMA groups, then the fullest group that fits). Used for boards
// without a rule (generic vendors, unknown shapes).
ChooseResult ChooseIndependent(const NodeSpec& node, absl::Span<const MilliDevices> free,
                               const ChooseRequest& request, bool allows_sharing,
                               absl::string_view what);

// Dispatch used by every built-in adapter: the board's rule when known for
// this node's device count, else independent selection. A board the adapter
// knows by name but whose device count does not match is a clear failure
// (kUnsupported), never a silent fallback; so is a board name nvidia, ascend,
// kunlun or ppu do not know (a typo must not drop the link rules). Generic
// vendors accept any board name and choose independently.
// `vendor` is the calling adapter's key: a board owned by another vendor is
// kUnsupported. Empty = any (the fake adapter). Shares need both the board
// and the adapter (`allows_sharing_default`) to allow them.
ChooseResult ChooseForNode(absl::string_view vendor, const NodeSpec& node,
                           absl::Span<const MilliDevices> free, const ChooseRequest& request,
                           bool allows_sharing_default);

}  // namespace manychip::topology
