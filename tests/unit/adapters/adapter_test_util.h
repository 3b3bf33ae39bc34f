#pragma once

// Small builders shared by the adapter tests.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "manychip/adapters/device_adapter.h"
#include "manychip/codec/json.h"
#include "tests/testing/paths.h"

namespace manychip::adapters_test {

// A node of `n` healthy devices of catalog model `model`, `memory_mib` each,
// NUMA node = first/second half.
inline NodeSpec MakeNode(const std::string& board, int n, int32_t model = 0,
                         int64_t memory_mib = 65536) {
  NodeSpec node;
  node.name = "n1";
  node.board = board;
  for (int i = 0; i < n; ++i) {
    DeviceSpec d;
    d.index = i;
    d.model = model;
    d.memory = MiB::FromRaw(memory_mib);
    d.numa_node = n >= 2 ? (i * 2) / n : 0;
    d.uuid = "DEV-" + std::to_string(i);
    node.devices.push_back(d);
  }
  return node;
}

inline std::vector<MilliDevices> FreeFromMask(uint64_t free_mask, int n) {
  std::vector<MilliDevices> free;
  for (int i = 0; i < n; ++i) {
    free.push_back(MilliDevices::FromRaw((free_mask >> i) & 1 ? kMilliPerDevice : 0));
  }
  return free;
}

inline ChooseRequest Cards(int k) {
  ChooseRequest r;
  r.cards = k;
  return r;
}

inline std::string Testdata(const std::string& rel) {
  return testing::SourcePath("tests/testdata/adapters/" + rel);
}

// The text of a recorded sample under tests/testdata/adapters/; a missing
// file fails the test and reads as "".
inline std::string ReadTestdata(const std::string& rel) {
  absl::StatusOr<std::string> text = codec::ReadFile(Testdata(rel));
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

}  // namespace manychip::adapters_test
