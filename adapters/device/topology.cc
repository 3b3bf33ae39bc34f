#include "adapters/device/topology.h"

#include <algorithm>
#include <bit>
#include <functional>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace manychip::topology {
namespace {

constexpr Mask Bit(int i) { return Mask{1} << i; }
constexpr Mask Range(int lo, int hi) {  // bits lo..hi-1
  Mask m = 0;
  for (int i = lo; i < hi; ++i) m |= Bit(i);
  return m;
}
int Pop(Mask m) { return std::popcount(m); }

std::string MaskList(Mask m) {
  std::vector<int> ids;
  for (int i = 0; i < kMaxDevices; ++i) {
    if (m & Bit(i)) ids.push_back(i);
  }
  return ids.empty() ? "none" : absl::StrJoin(ids, ",");
}

// Builds a rule by testing every mask of an n-device board (n <= 16) against
// `legal`: cheap at startup, and it keeps each board's rule a short readable
// predicate instead of hand-listed sets.
BoardRule Build(std::string board, std::string vendor, std::string link, int n,
                std::vector<Mask> groups, Preference pref,
                const std::function<bool(Mask, int)>& legal) {
  BoardRule r;
  r.board = std::move(board);
  r.vendor = std::move(vendor);
  r.link_name = std::move(link);
  r.device_count = n;
  r.groups = std::move(groups);
  r.preference = pref;
  r.legal.assign(n + 1, {});
  for (Mask m = 1; m < Bit(n); ++m) {
    if (legal(m, Pop(m))) r.legal[Pop(m)].push_back(m);
  }
  std::vector<int> counts;
  for (int k = 1; k <= n; ++k) {
    if (!r.legal[k].empty()) counts.push_back(k);
  }
  r.legal_counts = absl::StrJoin(counts, ", ");
  return r;
}

bool Within(Mask m, const std::vector<Mask>& groups) {
  for (Mask g : groups) {
    if ((m & ~g) == 0) return true;
  }
  return false;
}

std::vector<Mask> Blocks(int n, int size) {
  std::vector<Mask> out;
  for (int lo = 0; lo + size <= n; lo += size) out.push_back(Range(lo, lo + size));
  return out;
}

BoardRule Ascend310PCard(int n) {
  // Duo cards of two chips: <= 2 stays on one card, more takes whole cards.
  std::vector<Mask> cards = Blocks(n, 2);
  return Build("ascend-310p-card", "ascend", "card", n, cards, Preference::kBestFitGroup,
               [cards](Mask m, int k) {
                 if (k <= 2) return Within(m, cards);
                 for (Mask c : cards) {
                   if ((m & c) != 0 && (m & c) != c) return false;
                 }
                 return true;
               });
}

struct Tables {
  std::vector<BoardRule> fixed;
  std::vector<BoardRule> card310p;  // index = n / 2 - 1 for even n in 2..16
};

const Tables& AllTables() {
  static const Tables* tables = [] {
    auto* t = new Tables;
    auto any = [](Mask, int) { return true; };
    {
      // HGX: NVSwitch all-to-all, so any set is legal; the NUMA halves (PCIe
      // switch pairs hang off each socket) are preferred by best fit.
      std::vector<Mask> halves = {Range(0, 4), Range(4, 8)};
      t->fixed.push_back(
          Build("hgx-8", "nvidia", "NVLink", 8, halves, Preference::kBestFitGroup, any));
    }
    {
      std::vector<Mask> rings = {Range(0, 4), Range(4, 8)};
      t->fixed.push_back(Build("ascend-910a-module", "ascend", "HCCS", 8, rings,
                               Preference::kAscend910ARing, [rings](Mask m, int k) {
                                 if (k == 8) return true;
                                 return (k == 1 || k == 2 || k == 4) && Within(m, rings);
                               }));
      t->fixed.push_back(Build("ascend-910a-half", "ascend", "HCCS", 4, {Range(0, 4)},
                               Preference::kAscend910ARing,
                               [](Mask, int k) { return k == 1 || k == 2 || k == 4; }));
    }
    t->fixed.push_back(
        Build("atlas-800t-a2", "ascend", "HCCS", 8, {Range(0, 8)}, Preference::kBestFitGroup, any));
    {
      std::vector<Mask> rings = {Range(0, 8), Range(8, 16)};
      t->fixed.push_back(Build("atlas-box16", "ascend", "HCCS", 16, rings,
                               Preference::kBestFitGroup, [rings](Mask m, int k) {
                                 if (k <= 8) return Within(m, rings);
                                 if (k == 16) return true;
                                 if (k % 2 != 0) return false;
                                 // Split evenly at the same physical offsets.
                                 return (m & rings[0]) == ((m & rings[1]) >> 8);
                               }));
    }
    {
      std::vector<Mask> modules = Blocks(16, 2);
      t->fixed.push_back(Build("ascend-a3-16", "ascend", "HCCS", 16, modules,
                               Preference::kBestFitGroup, [modules](Mask m, int k) {
                                 if (k == 1) return true;
                                 if (k % 2 != 0) return false;
                                 for (Mask mod : modules) {
                                   if ((m & mod) != 0 && (m & mod) != mod) return false;
                                 }
                                 return true;
                               }));
    }
    {
      std::vector<Mask> groups = {Range(0, 4), Range(4, 8)};
      t->fixed.push_back(Build("kunlun-p800-8", "kunlun", "XPU Link", 8, groups,
                               Preference::kBestFitGroup, [groups](Mask m, int k) {
                                 if (k == 8) return true;
                                 return (k == 1 || k == 2 || k == 4) && Within(m, groups);
                               }));
    }
    {
      // Nested aligned blocks; every level is a group so best fit packs
      // small requests into the most-used block at each level.
      std::vector<Mask> groups;
      for (int size : {2, 4, 8}) {
        for (Mask b : Blocks(16, size)) groups.push_back(b);
      }
      t->fixed.push_back(
          Build("ppu-16", "ppu", "ICN", 16, groups, Preference::kBestFitGroup, [](Mask m, int k) {
            if (k != 1 && k != 2 && k != 4 && k != 8 && k != 16) {
              return false;
            }
            int lo = std::countr_zero(m);
            return lo % k == 0 && m == Range(lo, lo + k);
          }));
    }
    {
      // Cambricon board allocator (cambricon-k8s-device-plugin, docs/design/vendors.md
      // §1b/§3.5, V): on MLU370-X8 and MLU590-H8 boards an MLU-Link ring has
      // an even size of 2-8, so a request is 1 MLU or an even 2..8. Which
      // sets form a ring is not in the sources read: the MLU370-X8 bridges 4
      // dual-chip cards into an 8-chip full mesh (V2, secondary), the
      // MLU590-H8 link layout is unverified (U). So any set of a legal size
      // is allowed, and best fit packs pairs onto one dual-chip card (X8:
      // chips 2i/2i+1 on card i, our assumption about enumeration order) and
      // small sets into one half of the board (our assumption: NUMA halves).
      auto ring = [](Mask, int k) { return k == 1 || (k % 2 == 0 && k <= 8); };
      std::vector<Mask> x8 = Blocks(8, 2);
      for (Mask h : Blocks(8, 4)) x8.push_back(h);
      t->fixed.push_back(Build("cambricon-mlu370-x8", "cambricon", "MLU-Link", 8, x8,
                               Preference::kBestFitGroup, ring));
      t->fixed.push_back(Build("cambricon-mlu590-h8", "cambricon", "MLU-Link", 8, Blocks(8, 4),
                               Preference::kBestFitGroup, ring));
      // MetaX C500 x 8 (HAMi, docs/design/vendors.md §3.7, V): MetaXLink is preferred
      // over a PCIe switch and binpack keeps MetaXLink groups intact; no
      // count is invalid. The group size of 4 (two groups per node) is our
      // assumption (U): the sources name no group size.
      t->fixed.push_back(Build("metax-c500-8", "metax", "MetaXLink", 8, Blocks(8, 4),
                               Preference::kBestFitGroup, any));
    }
    for (int n = 2; n <= 16; n += 2) t->card310p.push_back(Ascend310PCard(n));
    return t;
  }();
  return *tables;
}

// Common request checks; returns a failed result or nullopt-like ok=true
// marker through `out`.
bool Precheck(const NodeSpec& node, absl::Span<const MilliDevices> free,
              const ChooseRequest& request, ChooseResult* out) {
  auto fail = [out](ChooseFailure f, std::string detail) {
    out->ok = false;
    out->failure = f;
    out->detail = std::move(detail);
    return false;
  };
  if (free.size() != node.devices.size()) {
    return fail(ChooseFailure::kUnsupported,
                absl::StrCat("free has ", free.size(), " entries, node has ", node.devices.size(),
                             " devices"));
  }
  if (node.devices.size() > static_cast<size_t>(kMaxDevices)) {
    return fail(ChooseFailure::kUnsupported,
                absl::StrCat("node has ", node.devices.size(), " devices, at most ", kMaxDevices,
                             " supported"));
  }
  if (request.cards <= 0) {
    return fail(ChooseFailure::kIllegalCount,
                absl::StrCat("cards must be > 0, got ", request.cards));
  }
  const int64_t share = request.share.raw();
  if (share <= 0 || share > kMilliPerDevice) {
    return fail(ChooseFailure::kUnsupported,
                absl::StrCat("share must be in 1..1000 milli-devices, got ", share));
  }
  if (share < kMilliPerDevice && request.cards != 1) {
    return fail(ChooseFailure::kUnsupported,
                absl::StrCat("a fractional share needs cards = 1, got ", request.cards));
  }
  return true;
}

bool MemoryOk(const DeviceSpec& d, const ChooseRequest& r) {
  return r.min_device_memory.raw() <= 0 || d.memory >= r.min_device_memory;
}

struct Masks {
  Mask whole_free = 0;  // healthy and entirely free
  Mask eligible = 0;    // ... and enough memory
};

Masks ComputeMasks(const NodeSpec& node, absl::Span<const MilliDevices> free,
                   const ChooseRequest& request) {
  Masks m;
  for (size_t i = 0; i < node.devices.size(); ++i) {
    const DeviceSpec& d = node.devices[i];
    if (!d.healthy || free[i].raw() < kMilliPerDevice) continue;
    m.whole_free |= Bit(static_cast<int>(i));
    if (MemoryOk(d, request)) m.eligible |= Bit(static_cast<int>(i));
  }
  return m;
}

ChooseResult Fail(ChooseFailure f, std::string detail) {
  ChooseResult r;
  r.failure = f;
  r.detail = std::move(detail);
  return r;
}

ChooseResult ChooseShare(const NodeSpec& node, absl::Span<const MilliDevices> free,
                         const ChooseRequest& request) {
  int best = -1;
  bool any_without_memory = false;
  for (size_t i = 0; i < node.devices.size(); ++i) {
    const DeviceSpec& d = node.devices[i];
    if (!d.healthy || free[i] < request.share) continue;
    if (!MemoryOk(d, request)) {
      any_without_memory = true;
      continue;
    }
    // Best fit: the device with the least free share that still fits, so
    // whole devices stay whole for whole-card requests.
    if (best < 0 || free[i] < free[best]) best = static_cast<int>(i);
  }
  if (best < 0) {
    if (any_without_memory) {
      return Fail(ChooseFailure::kInsufficientMemory,
                  absl::StrCat("no device with ", request.share.raw(), " milli free has ",
                               request.min_device_memory.raw(), " MiB"));
    }
    return Fail(ChooseFailure::kInsufficientDevices,
                absl::StrCat("no device has ", request.share.raw(), " milli-devices free"));
  }
  ChooseResult r;
  r.ok = true;
  r.devices = {best};
  const int64_t left = free[best].raw() - request.share.raw();
  r.score = static_cast<int32_t>(100 - left * 100 / kMilliPerDevice);
  return r;
}

ChooseResult CountFailure(int k, int whole, int eligible) {
  if (whole < k) {
    return Fail(ChooseFailure::kInsufficientDevices,
                absl::StrCat(k, " free devices wanted, ", whole, " free"));
  }
  return Fail(ChooseFailure::kInsufficientMemory,
              absl::StrCat(k, " devices wanted, only ", eligible, " free with enough memory"));
}

ChooseResult FromMask(Mask m, int32_t score) {
  ChooseResult r;
  r.ok = true;
  r.devices.reserve(Pop(m));
  for (Mask rest = m; rest != 0; rest &= rest - 1) r.devices.push_back(std::countr_zero(rest));
  r.score = score;
  return r;
}

int Rank910A(int k, int free_in_ring) {
  // MindCluster's ring preference (docs/design/vendors.md §3.2); unlisted = worst.
  static constexpr int kOrder1[5] = {9, 0, 2, 1, 3};  // by free count 0..4
  static constexpr int kOrder2[5] = {9, 9, 0, 2, 1};
  if (free_in_ring < 0 || free_in_ring > 4) return 9;
  if (k == 1) return kOrder1[free_in_ring];
  if (k == 2) return kOrder2[free_in_ring];
  return 0;
}

// Link-aware selection for boards without a rule; nullopt when no device
// reports links. Ranks k-sets of eligible devices by their weakest pair link
// class, then the sum of classes, then fewest free devices left on the NUMA
// nodes touched, then lowest indexes.
std::optional<ChooseResult> ChooseByLinks(const NodeSpec& node, const Masks& masks, int k) {
  const int n = static_cast<int>(node.devices.size());
  uint8_t cls[16][16] = {};
  bool any = false;
  for (int i = 0; i < n; ++i) {
    for (const DeviceLinkSpec& l : node.devices[i].links) {
      if (l.peer < 0 || l.peer >= n || l.peer == i) continue;
      cls[i][l.peer] = static_cast<uint8_t>(l.link_class);
      any = true;
    }
  }
  if (!any) return std::nullopt;
  Mask same_numa[16] = {};
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      if (node.devices[i].numa_node == node.devices[j].numa_node) same_numa[i] |= Bit(j);
    }
  }
  Mask best = 0;
  int best_weak = -1, best_sum = -1, best_left = std::numeric_limits<int>::max();
  const Mask e = masks.eligible;
  for (Mask s = e; s != 0; s = (s - 1) & e) {
    if (Pop(s) != k) continue;
    int weak = std::numeric_limits<int>::max(), sum = 0;
    Mask numa_touched = 0;
    for (Mask a = s; a != 0 && weak >= best_weak; a &= a - 1) {
      const int i = std::countr_zero(a);
      numa_touched |= same_numa[i];
      for (Mask b = a & (a - 1); b != 0; b &= b - 1) {
        const int j = std::countr_zero(b);
        const int c = std::min(cls[i][j], cls[j][i]);  // asymmetric input: trust the weaker
        weak = std::min(weak, c);
        sum += c;
      }
    }
    if (weak < best_weak) continue;  // cannot win; stopped early
    const int left = Pop(masks.whole_free & numa_touched & ~s);
    // Submasks run from high to low, so ">=" on full ties keeps the lowest.
    if (weak > best_weak || (weak == best_weak && sum > best_sum) ||
        (weak == best_weak && sum == best_sum && left <= best_left)) {
      best = s;
      best_weak = weak;
      best_sum = sum;
      best_left = left;
    }
  }
  if (best == 0) return std::nullopt;
  return FromMask(best, best_weak * 100 / static_cast<int>(LinkClass::kHighSpeed));
}

}  // namespace

const std::vector<BoardRule>& BuiltinBoards() { return AllTables().fixed; }

const BoardRule* FindBoard(absl::string_view board, int32_t device_count) {
  const Tables& t = AllTables();
  for (const BoardRule& r : t.fixed) {
    if (r.board == board) return r.device_count == device_count ? &r : nullptr;
  }
  if (board == "ascend-310p-card") {
    if (device_count >= 2 && device_count <= 16 && device_count % 2 == 0) {
      return &t.card310p[device_count / 2 - 1];
    }
  }
  return nullptr;
}

bool IsKnownBoard(absl::string_view board) {
  for (const BoardRule& r : AllTables().fixed) {
    if (r.board == board) return true;
  }
  return board == "pcie" || board == "ascend-310p-card" || board == "ascend-310p-chip";
}

ChooseResult ChooseOnBoard(const BoardRule& rule, const NodeSpec& node,
                           absl::Span<const MilliDevices> free, const ChooseRequest& request) {
  ChooseResult pre;
  if (!Precheck(node, free, request, &pre)) return pre;
  if (static_cast<int32_t>(node.devices.size()) != rule.device_count) {
    return Fail(ChooseFailure::kUnsupported,
                absl::StrCat(rule.board, " has ", rule.device_count, " devices, node has ",
                             node.devices.size()));
  }
  if (request.share.raw() < kMilliPerDevice) {
    if (!rule.allows_sharing) {
      return Fail(ChooseFailure::kUnsupported, absl::StrCat(rule.board, ": no shared devices"));
    }
    return ChooseShare(node, free, request);
  }
  const int k = request.cards;
  if (k > rule.device_count || rule.legal[k].empty()) {
    return Fail(ChooseFailure::kIllegalCount,
                absl::StrCat(rule.board, ": ", k,
                             " devices is not a legal request (legal: ", rule.legal_counts, ")"));
  }
  const Masks masks = ComputeMasks(node, free, request);
  const int whole = Pop(masks.whole_free);
  const int eligible = Pop(masks.eligible);
  if (eligible < k) return CountFailure(k, whole, eligible);

  Mask best = 0;
  int best_cost = std::numeric_limits<int>::max();
  for (Mask m : rule.legal[k]) {
    if ((m & ~masks.eligible) != 0) continue;
    int cost = 0;
    if (rule.preference == Preference::kAscend910ARing) {
      for (Mask g : rule.groups) {
        if ((m & g) != 0) cost += Rank910A(k, Pop(masks.whole_free & g));
      }
    } else {
      for (Mask g : rule.groups) {
        if ((m & g) != 0) cost += Pop(masks.whole_free & g & ~m);
      }
    }
    if (cost < best_cost) {  // strict: the first (lowest) mask wins ties
      best_cost = cost;
      best = m;
      if (cost == 0) break;
    }
  }
  if (best == 0) {
    return Fail(ChooseFailure::kNoLegalGroup,
                absl::StrCat(rule.link_name, ": no legal ", k, "-device set among free devices ",
                             MaskList(masks.eligible), " on ", rule.board));
  }
  int32_t score;
  if (rule.preference == Preference::kAscend910ARing) {
    score = std::max(0, 100 - 25 * best_cost);
  } else {
    score = std::max(0, 100 - best_cost * 100 / rule.device_count);
  }
  return FromMask(best, score);
}

ChooseResult ChooseIndependent(const NodeSpec& node, absl::Span<const MilliDevices> free,
                               const ChooseRequest& request, bool allows_sharing,
                               absl::string_view what) {
  ChooseResult pre;
  if (!Precheck(node, free, request, &pre)) return pre;
  if (request.share.raw() < kMilliPerDevice) {
    if (!allows_sharing) {
      return Fail(ChooseFailure::kUnsupported,
                  absl::StrCat(what, ": shared devices not supported, whole cards only"));
    }
    return ChooseShare(node, free, request);
  }
  const int k = request.cards;
  const int n = static_cast<int>(node.devices.size());
  if (k > n) {
    return Fail(ChooseFailure::kIllegalCount,
                absl::StrCat(what, ": ", k, " devices wanted, node has ", n));
  }
  const Masks masks = ComputeMasks(node, free, request);
  const int whole = Pop(masks.whole_free);
  const int eligible = Pop(masks.eligible);
  if (eligible < k) return CountFailure(k, whole, eligible);

  // Devices that report links (NVLink bridges, PCIe switch levels): pick
  // the k-set whose weakest link is strongest, so collectives are not held
  // back by one slow pair.
  if (k >= 2 && n <= 16 && Pop(masks.eligible) <= 10) {
    if (std::optional<ChooseResult> linked = ChooseByLinks(node, masks, k)) return *linked;
  }
  // NUMA groups in ascending NUMA id (-1 = unknown is its own group).
  struct Group {
    int32_t numa;
    Mask eligible;
    Mask whole;
  };
  Group groups[kMaxDevices];
  int ngroups = 0;
  for (int i = 0; i < n; ++i) {
    const int32_t numa = node.devices[i].numa_node;
    int g = 0;
    while (g < ngroups && groups[g].numa != numa) ++g;
    if (g == ngroups) groups[ngroups++] = Group{numa, 0, 0};
    if (masks.eligible & Bit(i)) groups[g].eligible |= Bit(i);
    if (masks.whole_free & Bit(i)) groups[g].whole |= Bit(i);
  }
  std::sort(groups, groups + ngroups,
            [](const Group& a, const Group& b) { return a.numa < b.numa; });
  // Best fit inside one group when possible.
  int fit = -1;
  for (int g = 0; g < ngroups; ++g) {
    if (Pop(groups[g].eligible) < k) continue;
    if (fit < 0 || Pop(groups[g].whole) < Pop(groups[fit].whole)) fit = g;
  }
  auto take = [](Mask from, int count) {
    Mask out = 0;
    for (; count > 0 && from != 0; --count) {
      Mask low = from & (~from + 1);
      out |= low;
      from &= from - 1;
    }
    return out;
  };
  if (fit >= 0) {
    return FromMask(take(groups[fit].eligible, k),
                    100 - (Pop(groups[fit].whole) - k) * 100 / std::max(1, n));
  }
  // Span the fewest groups: largest first.
  std::stable_sort(groups, groups + ngroups, [](const Group& a, const Group& b) {
    return Pop(a.eligible) > Pop(b.eligible);
  });
  Mask chosen = 0;
  int need = k;
  int used = 0;
  for (int g = 0; g < ngroups && need > 0; ++g) {
    Mask part = take(groups[g].eligible, need);
    need -= Pop(part);
    chosen |= part;
    ++used;
  }
  return FromMask(chosen, 50 / used);
}

ChooseResult ChooseForNode(absl::string_view vendor, const NodeSpec& node,
                           absl::Span<const MilliDevices> free, const ChooseRequest& request,
                           bool allows_sharing_default) {
  const int32_t n = static_cast<int32_t>(node.devices.size());
  if (const BoardRule* rule = FindBoard(node.board, n)) {
    if (!vendor.empty() && rule->vendor != vendor) {
      return Fail(ChooseFailure::kUnsupported, absl::StrCat("board ", node.board, " belongs to ",
                                                            rule->vendor, ", not ", vendor));
    }
    // The board may allow shares (MetaX sGPU, Cambricon SMLU exist) while
    // the calling adapter cannot hand them out (the generic adapter has no
    // sharing shim): both must agree.
    if (!allows_sharing_default && request.share.raw() < kMilliPerDevice) {
      return Fail(ChooseFailure::kUnsupported,
                  absl::StrCat(vendor, " on ", node.board,
                               ": shared devices not supported, whole cards only"));
    }
    return ChooseOnBoard(*rule, node, free, request);
  }
  for (const BoardRule& r : BuiltinBoards()) {
    if (r.board == node.board) {
      return Fail(ChooseFailure::kUnsupported,
                  absl::StrCat(node.board, " has ", r.device_count, " devices, node has ", n));
    }
  }
  if (node.board == "ascend-310p-card") {
    return Fail(ChooseFailure::kUnsupported,
                absl::StrCat("ascend-310p-card needs an even 2..16 chips, node has ", n));
  }
  if (!vendor.empty() && !node.board.empty()) {
    // Variable-size boards and the vendors whose shapes we know: a typo in a
    // board name must not silently drop the link rules.
    absl::string_view owner;
    if (node.board == "pcie") owner = "nvidia";
    if (node.board == "ascend-310p-chip") owner = "ascend";
    if (!owner.empty() && owner != vendor) {
      return Fail(ChooseFailure::kUnsupported,
                  absl::StrCat("board ", node.board, " belongs to ", owner, ", not ", vendor));
    }
    const bool strict =
        vendor == "nvidia" || vendor == "ascend" || vendor == "kunlun" || vendor == "ppu";
    if (owner.empty() && strict) {
      std::vector<std::string> known;
      for (const BoardRule& r : BuiltinBoards()) {
        if (r.vendor == vendor) known.push_back(r.board);
      }
      if (vendor == "nvidia") known.push_back("pcie");
      if (vendor == "ascend") {
        known.push_back("ascend-310p-card");
        known.push_back("ascend-310p-chip");
      }
      return Fail(ChooseFailure::kUnsupported,
                  absl::StrCat("unknown ", vendor, " board \"", node.board, "\" (known: ",
                               absl::StrJoin(known, ", "), "; empty = no link rule)"));
    }
  }
  return ChooseIndependent(node, free, request, allows_sharing_default,
                           node.board.empty() ? absl::string_view("no board") : node.board);
}

}  // namespace manychip::topology
