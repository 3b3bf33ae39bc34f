// Board rules, checked exhaustively: for every built-in board, every request
// size and every occupancy (all of them for <= 8 devices, a seeded sample
// plus the extremes for 16), Choose returns a legal set of free devices when
// one exists, and otherwise fails with the right reason. The legality
// predicates below restate docs/design/vendors.md independently of topology.cc.

#include "adapters/device/topology.h"

#include <bit>
#include <functional>
#include <random>

#include "gtest/gtest.h"
#include "tests/unit/adapters/adapter_test_util.h"

namespace manychip {
namespace {

using adapters_test::Cards;
using adapters_test::FreeFromMask;
using adapters_test::MakeNode;
using topology::Mask;

bool Inside(Mask m, int lo, int hi) {
  for (int i = 0; i < 64; ++i) {
    if ((m >> i & 1) && (i < lo || i >= hi)) return false;
  }
  return true;
}

struct Case {
  std::string board;
  int n;
  std::function<bool(Mask)> legal;
};

std::vector<Case> Cases() {
  auto all = [](int n) { return (Mask{1} << n) - 1; };
  return {
      {"hgx-8", 8, [](Mask) { return true; }},
      {"atlas-800t-a2", 8, [](Mask) { return true; }},
      {"ascend-910a-module", 8,
       [](Mask m) {
         const int k = std::popcount(m);
         if (k == 8) return true;
         if (k != 1 && k != 2 && k != 4) return false;
         return Inside(m, 0, 4) || Inside(m, 4, 8);
       }},
      {"ascend-910a-half", 4,
       [](Mask m) {
         const int k = std::popcount(m);
         return k == 1 || k == 2 || k == 4;
       }},
      {"kunlun-p800-8", 8,
       [](Mask m) {
         const int k = std::popcount(m);
         if (k == 8) return true;
         if (k != 1 && k != 2 && k != 4) return false;
         return Inside(m, 0, 4) || Inside(m, 4, 8);
       }},
      {"atlas-box16", 16,
       [all](Mask m) {
         const int k = std::popcount(m);
         if (k <= 8) return Inside(m, 0, 8) || Inside(m, 8, 16);
         if (k == 16) return m == all(16);
         if (k != 10 && k != 12 && k != 14) return false;
         for (int off = 0; off < 8; ++off) {  // same offsets in both rings
           if (((m >> off) & 1) != ((m >> (off + 8)) & 1)) return false;
         }
         return true;
       }},
      {"ascend-a3-16", 16,
       [](Mask m) {
         const int k = std::popcount(m);
         if (k == 1) return true;
         if (k % 2) return false;
         for (int i = 0; i < 16; ++i) {  // die pairs (2i, 2i+1) whole
           if ((m >> i & 1) && !(m >> (i ^ 1) & 1)) return false;
         }
         return true;
       }},
      {"ppu-16", 16,
       [](Mask m) {
         const int k = std::popcount(m);
         if (k != 1 && k != 2 && k != 4 && k != 8 && k != 16) return false;
         const int lo = std::countr_zero(m);
         if (lo % k) return false;
         for (int i = lo; i < lo + k; ++i) {
           if (!(m >> i & 1)) return false;
         }
         return true;
       }},
      {"cambricon-mlu370-x8", 8,
       [](Mask m) {
         const int k = std::popcount(m);
         return k == 1 || (k % 2 == 0 && k <= 8);
       }},
      {"cambricon-mlu590-h8", 8,
       [](Mask m) {
         const int k = std::popcount(m);
         return k == 1 || (k % 2 == 0 && k <= 8);
       }},
      {"metax-c500-8", 8, [](Mask) { return true; }},
      {"ascend-310p-card", 6,
       [](Mask m) {
         const int k = std::popcount(m);
         for (int c = 0; c < 3; ++c) {
           const Mask card = Mask{3} << (2 * c);
           if (k <= 2 && (m & ~card) == 0) return true;
           if (k > 2 && (m & card) != 0 && (m & card) != card) return false;
         }
         return k > 2;
       }},
  };
}

// Is there a legal k-set inside `free`? Brute force over submasks.
bool AnyLegal(const Case& c, Mask free, int k) {
  for (Mask s = free;; s = (s - 1) & free) {
    if (s != 0 && std::popcount(s) == k && c.legal(s)) return true;
    if (s == 0) break;
  }
  return false;
}

void CheckOne(const Case& c, const NodeSpec& node, Mask free, int k, bool count_legal) {
  SCOPED_TRACE(::testing::Message()
               << c.board << " free=0x" << std::hex << free << std::dec << " k=" << k);
  const topology::BoardRule* rule = topology::FindBoard(c.board, c.n);
  ASSERT_NE(rule, nullptr);
  ChooseResult r = topology::ChooseOnBoard(*rule, node, FreeFromMask(free, c.n), Cards(k));
  if (r.ok) {
    ASSERT_EQ(static_cast<int>(r.devices.size()), k);
    Mask chosen = 0;
    for (size_t i = 0; i < r.devices.size(); ++i) {
      if (i > 0) {
        ASSERT_LT(r.devices[i - 1], r.devices[i]);
      }
      chosen |= Mask{1} << r.devices[i];
    }
    EXPECT_EQ(chosen & ~free, 0u) << "chose a busy device";
    EXPECT_TRUE(c.legal(chosen)) << "illegal set";
    EXPECT_GE(r.score, 0);
    EXPECT_LE(r.score, 100);
    return;
  }
  if (!count_legal) {
    EXPECT_EQ(r.failure, ChooseFailure::kIllegalCount) << r.detail;
  } else if (std::popcount(free) < k) {
    EXPECT_EQ(r.failure, ChooseFailure::kInsufficientDevices) << r.detail;
  } else {
    EXPECT_EQ(r.failure, ChooseFailure::kNoLegalGroup) << r.detail;
    EXPECT_FALSE(AnyLegal(c, free, k)) << "a legal set was free but Choose failed";
  }
  EXPECT_FALSE(r.detail.empty());
}

TEST(TopologyTest, EveryBoardEverySizeEveryOccupancy) {
  for (const Case& c : Cases()) {
    const NodeSpec node = MakeNode(c.board, c.n);
    std::vector<Mask> occupancies;
    if (c.n <= 8) {
      for (Mask f = 0; f < (Mask{1} << c.n); ++f) occupancies.push_back(f);
    } else {
      std::mt19937_64 rng(42);
      occupancies = {0, (Mask{1} << c.n) - 1};
      for (int i = 0; i < 600; ++i) {
        // Mix sparse and dense occupancies.
        Mask a = rng() & ((Mask{1} << c.n) - 1);
        occupancies.push_back(i % 3 == 0 ? (a | rng()) & ((Mask{1} << c.n) - 1) : a);
      }
    }
    // Whether k is legal at all on an empty board, computed once per size.
    std::vector<bool> count_legal(c.n + 1);
    for (int k = 1; k <= c.n; ++k) count_legal[k] = AnyLegal(c, (Mask{1} << c.n) - 1, k);
    for (Mask f : occupancies) {
      for (int k = 1; k <= c.n; ++k) {
        CheckOne(c, node, f, k, count_legal[k]);
        if (::testing::Test::HasFailure()) return;
      }
    }
  }
}

TEST(TopologyTest, AllBuiltinBoardsAreCovered) {
  std::vector<std::string> covered;
  for (const Case& c : Cases()) covered.push_back(c.board);
  for (const topology::BoardRule& r : topology::BuiltinBoards()) {
    EXPECT_NE(std::find(covered.begin(), covered.end(), r.board), covered.end()) << r.board;
  }
}

TEST(TopologyTest, Ascend910ARingPreferenceOrder) {
  const topology::BoardRule* rule = topology::FindBoard("ascend-910a-module", 8);
  ASSERT_NE(rule, nullptr);
  NodeSpec node = MakeNode("ascend-910a-module", 8);
  // Request 1: ring with 1 free beats ring with 3 free.
  auto r = topology::ChooseOnBoard(*rule, node, FreeFromMask(0b0111'1000, 8), Cards(1));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, std::vector<int32_t>{3});
  // Request 1: 3 free beats 2 free (leaves an even remainder).
  r = topology::ChooseOnBoard(*rule, node, FreeFromMask(0b0111'0011, 8), Cards(1));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, std::vector<int32_t>{4});
  // Request 1: 2 free beats 4 free.
  r = topology::ChooseOnBoard(*rule, node, FreeFromMask(0b1111'0011, 8), Cards(1));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, std::vector<int32_t>{0});
  // Request 2: 4 free beats 3 free.
  r = topology::ChooseOnBoard(*rule, node, FreeFromMask(0b0111'1111, 8), Cards(2));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, (std::vector<int32_t>{0, 1}));
  // Request 4 with no whole ring free: the HCCS reason.
  r = topology::ChooseOnBoard(*rule, node, FreeFromMask(0b0111'0111, 8), Cards(4));
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.failure, ChooseFailure::kNoLegalGroup);
  EXPECT_NE(r.detail.find("HCCS"), std::string::npos) << r.detail;
  // 3 is never legal on a 910A module.
  r = topology::ChooseOnBoard(*rule, node, FreeFromMask(0xff, 8), Cards(3));
  EXPECT_EQ(r.failure, ChooseFailure::kIllegalCount);
  EXPECT_NE(r.detail.find("1, 2, 4, 8"), std::string::npos) << r.detail;
}

TEST(TopologyTest, BestFitKeepsWholeGroupsFree) {
  NodeSpec node = MakeNode("kunlun-p800-8", 8);
  const topology::BoardRule* rule = topology::FindBoard("kunlun-p800-8", 8);
  // Group 0 has 2 free, group 1 all 4: a 2-card request fills group 0.
  auto r = topology::ChooseOnBoard(*rule, node, FreeFromMask(0b1111'0110, 8), Cards(2));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(r.score, 100);
  // Box16: a 4-request goes to the fuller ring.
  NodeSpec box = MakeNode("atlas-box16", 16);
  const topology::BoardRule* brule = topology::FindBoard("atlas-box16", 16);
  r = topology::ChooseOnBoard(*brule, box, FreeFromMask(0xff00 | 0b0011'1100, 16), Cards(4));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, (std::vector<int32_t>{2, 3, 4, 5}));
}

TEST(TopologyTest, CambriconAndMetaxPreferCardsAndGroups) {
  // MLU370-X8: a pair lands on one dual-chip card of the fuller half, not
  // on the lowest indexes (1,2 would straddle cards 0 and 1).
  NodeSpec mlu = MakeNode("cambricon-mlu370-x8", 8);
  auto r = topology::ChooseForNode("cambricon", mlu, FreeFromMask(0b1110'1110, 8), Cards(2), false);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.devices, (std::vector<int32_t>{2, 3}));
  r = topology::ChooseForNode("cambricon", mlu, FreeFromMask(0xff, 8), Cards(3), false);
  EXPECT_EQ(r.failure, ChooseFailure::kIllegalCount);
  EXPECT_NE(r.detail.find("1, 2, 4, 6, 8"), std::string::npos) << r.detail;
  ChooseRequest share;
  share.share = MilliDevices::FromRaw(500);
  // The generic adapter has no sharing shim; the fake adapter (any vendor)
  // may simulate one on the same board.
  EXPECT_EQ(topology::ChooseForNode("cambricon", mlu, FreeFromMask(0xff, 8), share, false).failure,
            ChooseFailure::kUnsupported);
  EXPECT_TRUE(topology::ChooseForNode("", mlu, FreeFromMask(0xff, 8), share, true).ok);
  // MetaX: a 4-set stays inside the fuller MetaXLink group.
  NodeSpec metax = MakeNode("metax-c500-8", 8);
  r = topology::ChooseForNode("metax", metax, FreeFromMask(0b1111'1111, 8), Cards(4), false);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, (std::vector<int32_t>{0, 1, 2, 3}));
  r = topology::ChooseForNode("metax", metax, FreeFromMask(0b1111'0111, 8), Cards(3), false);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, (std::vector<int32_t>{0, 1, 2}));
  // The boards belong to their vendors.
  EXPECT_EQ(topology::ChooseForNode("metax", mlu, FreeFromMask(0xff, 8), Cards(2), false).failure,
            ChooseFailure::kUnsupported);
}

TEST(TopologyTest, MemoryHealthAndShares) {
  NodeSpec node = MakeNode("atlas-800t-a2", 8, 0, 32768);
  node.devices[2].memory = MiB::FromRaw(65536);
  node.devices[5].memory = MiB::FromRaw(65536);
  ChooseRequest req = Cards(2);
  req.min_device_memory = MiB::FromRaw(65536);
  auto r = topology::ChooseForNode("ascend", node, FreeFromMask(0xff, 8), req, true);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.devices, (std::vector<int32_t>{2, 5}));
  req.cards = 3;
  r = topology::ChooseForNode("ascend", node, FreeFromMask(0xff, 8), req, true);
  EXPECT_EQ(r.failure, ChooseFailure::kInsufficientMemory);

  node.devices[0].healthy = false;
  r = topology::ChooseForNode("ascend", node, FreeFromMask(0xff, 8), Cards(8), true);
  EXPECT_EQ(r.failure, ChooseFailure::kInsufficientDevices);

  // A share lands on the fullest device that still fits (best fit).
  std::vector<MilliDevices> free = FreeFromMask(0xff, 8);
  free[3] = MilliDevices::FromRaw(400);
  free[6] = MilliDevices::FromRaw(300);
  ChooseRequest share;
  share.share = MilliDevices::FromRaw(350);
  r = topology::ChooseForNode("ascend", node, free, share, true);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, std::vector<int32_t>{3});
  // Partly used devices are not whole cards.
  r = topology::ChooseForNode("ascend", node, free, Cards(6), true);
  EXPECT_EQ(r.failure, ChooseFailure::kInsufficientDevices);
  // Bad requests are failures with reasons, never crashes.
  share.cards = 2;
  EXPECT_EQ(topology::ChooseForNode("ascend", node, free, share, true).failure,
            ChooseFailure::kUnsupported);
  EXPECT_EQ(topology::ChooseForNode("ascend", node, free, Cards(0), true).failure,
            ChooseFailure::kIllegalCount);
  EXPECT_EQ(topology::ChooseForNode("ascend", node, FreeFromMask(0xff, 7), Cards(1), true).failure,
            ChooseFailure::kUnsupported);
}

TEST(TopologyTest, BoardMismatchIsAClearFailure) {
  NodeSpec seven = MakeNode("atlas-800t-a2", 7);
  auto r = topology::ChooseForNode("ascend", seven, FreeFromMask(0x7f, 7), Cards(1), true);
  EXPECT_EQ(r.failure, ChooseFailure::kUnsupported);
  EXPECT_NE(r.detail.find("8 devices"), std::string::npos) << r.detail;
  NodeSpec typo = MakeNode("atlas-800t-a3", 8);
  r = topology::ChooseForNode("ascend", typo, FreeFromMask(0xff, 8), Cards(1), true);
  EXPECT_EQ(r.failure, ChooseFailure::kUnsupported);
  EXPECT_NE(r.detail.find("unknown ascend board \"atlas-800t-a3\""), std::string::npos) << r.detail;
  NodeSpec pcie = MakeNode("pcie", 8);
  EXPECT_EQ(topology::ChooseForNode("ascend", pcie, FreeFromMask(0xff, 8), Cards(1), true).failure,
            ChooseFailure::kUnsupported);
  EXPECT_TRUE(topology::ChooseForNode("nvidia", pcie, FreeFromMask(0xff, 8), Cards(1), true).ok);
  // Generic vendors take any board name (no rules known for them).
  NodeSpec metax = MakeNode("metax-c500-8", 8);
  EXPECT_TRUE(topology::ChooseForNode("metax", metax, FreeFromMask(0xff, 8), Cards(3), false).ok);
  NodeSpec eight = MakeNode("atlas-800t-a2", 8);
  r = topology::ChooseForNode("nvidia", eight, FreeFromMask(0xff, 8), Cards(1), true);
  EXPECT_EQ(r.failure, ChooseFailure::kUnsupported);
  EXPECT_NE(r.detail.find("belongs to ascend"), std::string::npos) << r.detail;
}

TEST(TopologyTest, IndependentPacksNumaAndRefusesSharesWhenAsked) {
  NodeSpec node = MakeNode("", 8);  // NUMA 0: 0-3, NUMA 1: 4-7
  // NUMA 0 has 3 free, NUMA 1 has 4: a 3-card request fits NUMA 0 exactly.
  auto r = topology::ChooseIndependent(node, FreeFromMask(0b1111'0111, 8), Cards(3), false, "x");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, (std::vector<int32_t>{0, 1, 2}));
  // 6 cards must span both; the larger group is used first.
  r = topology::ChooseIndependent(node, FreeFromMask(0b1111'0111, 8), Cards(6), false, "x");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, (std::vector<int32_t>{0, 1, 4, 5, 6, 7}));
  ChooseRequest share;
  share.share = MilliDevices::FromRaw(500);
  r = topology::ChooseIndependent(node, FreeFromMask(0xff, 8), share, false, "cambricon");
  EXPECT_EQ(r.failure, ChooseFailure::kUnsupported);
  r = topology::ChooseIndependent(node, FreeFromMask(0xff, 8), Cards(9), false, "x");
  EXPECT_EQ(r.failure, ChooseFailure::kIllegalCount);
}

TEST(TopologyTest, DeterministicForSameInput) {
  NodeSpec node = MakeNode("ascend-a3-16", 16);
  const auto free = FreeFromMask(0xf0f3, 16);
  auto a = topology::ChooseForNode("ascend", node, free, Cards(4), true);
  auto b = topology::ChooseForNode("ascend", node, free, Cards(4), true);
  ASSERT_TRUE(a.ok);
  EXPECT_EQ(a.devices, b.devices);
  EXPECT_EQ(a.score, b.score);
}

}  // namespace
}  // namespace manychip

namespace manychip {
namespace {

TEST(TopologyTest, PcieBoardPrefersTheStrongestWeakestLink) {
  // Four PCIe GPUs, NVLink bridges on pairs (0,2) and (1,3); 0,1 on NUMA 0.
  NodeSpec node = adapters_test::MakeNode("pcie", 4);
  auto link = [&](int a, int b, LinkClass c) {
    node.devices[a].links.push_back({b, c, c == LinkClass::kHighSpeed ? 4 : 0});
    node.devices[b].links.push_back({a, c, c == LinkClass::kHighSpeed ? 4 : 0});
  };
  link(0, 2, LinkClass::kHighSpeed);
  link(1, 3, LinkClass::kHighSpeed);
  link(0, 1, LinkClass::kSameCpu);
  link(2, 3, LinkClass::kSameCpu);
  link(0, 3, LinkClass::kCrossCpu);
  link(1, 2, LinkClass::kCrossCpu);
  auto r = topology::ChooseForNode("nvidia", node, FreeFromMask(0xf, 4), Cards(2), true);
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.devices, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(r.score, 100);
  r = topology::ChooseForNode("nvidia", node, FreeFromMask(0b1110, 4), Cards(2), true);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, (std::vector<int32_t>{1, 3}));
  // Only cross pairs left: still a legal answer, scored lower.
  r = topology::ChooseForNode("nvidia", node, FreeFromMask(0b0110, 4), Cards(2), true);
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, (std::vector<int32_t>{1, 2}));
  EXPECT_LT(r.score, 50);
}

}  // namespace
}  // namespace manychip
