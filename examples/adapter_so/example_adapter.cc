// A complete third-party device adapter for manychip, built as a real .so
// against the C ABI in manychip/adapters/c_api/manychip_adapter.h only.
//
// Vendor "example", model "example-npu". Board "example-ring4": NPUs in rings
// of four; 1, 2 or 4 NPUs stay inside one ring (the fullest ring that fits),
// 8 takes the node. Other boards: any free NPUs, lowest index first.
// Discover reads the NPU count from <tool_output_dir>/example-npu-count (a
// stand-in for a vendor library); no file = no NPUs.
//
// Every exported function is a trampoline: it catches every exception and
// turns it into an mc_error, because C++ exceptions must not cross the C ABI.

#include <cstdio>
#include <cstring>
#include <exception>
#include <fstream>
#include <new>
#include <string>
#include <vector>

#include "examples/adapter_so/wire.h"
#include "manychip/adapters/c_api/manychip_adapter.h"

struct mc_error {
  int32_t code;
  std::string message;
};

namespace {

using example_wire::Reader;
using example_wire::Writer;

mc_error* Error(int32_t code, std::string message) {
  return new (std::nothrow) mc_error{code, std::move(message)};
}

// Hands a copy of `s` to the host, which returns it through FreeBytes.
void Out(const std::string& s, mc_bytes* out) {
  char* data = new char[s.size() + 1];
  std::memcpy(data, s.data(), s.size());
  out->data = data;
  out->size = s.size();
}

template <typename F>
mc_error* Trampoline(F f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return Error(MC_CODE_INTERNAL, std::string("example adapter: ") + e.what());
  } catch (...) {
    return Error(MC_CODE_INTERNAL, "example adapter: unknown exception");
  }
}

mc_error* Discover(void*, mc_bytes request_pb, mc_bytes* response_pb_out) {
  return Trampoline([&]() -> mc_error* {
    std::string tool_dir;
    Reader r({request_pb.data, request_pb.size});
    while (r.Next()) {
      if (r.field() == 3 && r.type() == example_wire::kLen) {
        tool_dir = std::string(r.Len());
      } else {
        r.Skip();
      }
    }
    int count = 0;
    if (!tool_dir.empty()) {
      std::ifstream in(tool_dir + "/example-npu-count");
      if (in && !(in >> count))
        return Error(MC_CODE_INVALID_ARGUMENT, "example-npu-count: not a number");
      if (count < 0 || count > 64)
        return Error(MC_CODE_INVALID_ARGUMENT, "example-npu-count: want 0..64");
    }
    Writer w;
    for (int i = 0; i < count; ++i) {
      Writer d;
      d.Int(1, i);                                  // index
      d.Bytes(2, "EX-" + std::to_string(i));        // uuid
      d.Bytes(3, "example-npu");                    // model
      d.Int(6, i / 4);                              // numa_node
      d.Bytes(7, "ring-" + std::to_string(i / 4));  // link_group
      w.Bytes(1, d.str());
    }
    if (count > 0) w.MapEntry(2, "example-runtime", "1.2.0");
    if (count == 8) w.Bytes(3, "example-ring4");
    Out(w.str(), response_pb_out);
    return nullptr;
  });
}

mc_error* Choose(void*, mc_bytes request_pb, mc_bytes* response_pb_out) {
  return Trampoline([&]() -> mc_error* {
    std::string board;
    int64_t cards = 0, share = 1000, min_mem = 0;
    std::vector<int64_t> free, mem;
    std::vector<bool> healthy;
    Reader r({request_pb.data, request_pb.size});
    while (r.Next()) {
      switch (r.field()) {
        case 2:
          board = std::string(r.Len());
          break;
        case 3:
          cards = static_cast<int64_t>(r.Varint());
          break;
        case 4:
          share = static_cast<int64_t>(r.Varint());
          break;
        case 5:
          min_mem = static_cast<int64_t>(r.Varint());
          break;
        case 6:
          r.Varints([&](uint64_t v) { free.push_back(static_cast<int64_t>(v)); });
          break;
        case 7:
          r.Varints([&](uint64_t v) { mem.push_back(static_cast<int64_t>(v)); });
          break;
        case 8:
          r.Varints([&](uint64_t v) { healthy.push_back(v != 0); });
          break;
        default:
          r.Skip();
      }
    }
    const size_t n = free.size();
    if (mem.size() != n || healthy.size() != n) {
      return Error(MC_CODE_INVALID_ARGUMENT, "choose: device arrays differ in length");
    }
    Writer w;
    auto fail = [&](int failure, const std::string& detail) {
      w.Int(4, failure);
      w.Bytes(5, detail);
      Out(w.str(), response_pb_out);
      return nullptr;
    };
    if (share != 1000) return fail(MC_CHOOSE_FAILURE_UNSUPPORTED, "example: whole NPUs only");
    if (cards <= 0 || static_cast<size_t>(cards) > n) {
      return fail(MC_CHOOSE_FAILURE_ILLEGAL_COUNT, "example: bad card count");
    }
    auto usable = [&](size_t i) { return healthy[i] && free[i] >= 1000 && mem[i] >= min_mem; };
    size_t total = 0;
    for (size_t i = 0; i < n; ++i) total += usable(i);
    if (total < static_cast<size_t>(cards))
      return fail(MC_CHOOSE_FAILURE_INSUFFICIENT_DEVICES, "example: not enough free NPUs");
    std::vector<int> chosen;
    if (board == "example-ring4" && n == 8) {
      if (cards == 8) {
        for (int i = 0; i < 8; ++i) chosen.push_back(i);
      } else if (cards == 1 || cards == 2 || cards == 4) {
        int best_ring = -1, best_free = 9;
        for (int ring = 0; ring < 2; ++ring) {
          int f = 0;
          for (int i = ring * 4; i < ring * 4 + 4; ++i) f += usable(i);
          if (f >= cards && f < best_free) {
            best_free = f;
            best_ring = ring;
          }
        }
        if (best_ring < 0)
          return fail(MC_CHOOSE_FAILURE_NO_LEGAL_GROUP,
                      "example ring: no ring has enough free NPUs");
        for (int i = best_ring * 4;
             i < best_ring * 4 + 4 && static_cast<int>(chosen.size()) < cards; ++i) {
          if (usable(i)) chosen.push_back(i);
        }
      } else {
        return fail(MC_CHOOSE_FAILURE_ILLEGAL_COUNT, "example-ring4: legal counts are 1, 2, 4, 8");
      }
    } else {
      for (size_t i = 0; i < n && static_cast<int64_t>(chosen.size()) < cards; ++i) {
        if (usable(i)) chosen.push_back(static_cast<int>(i));
      }
    }
    w.Int(1, 1);
    Writer packed;
    for (int d : chosen) packed.Varint(static_cast<uint64_t>(d));
    w.Bytes(2, packed.str());
    w.Int(3, 100);
    Out(w.str(), response_pb_out);
    return nullptr;
  });
}

mc_error* Visibility(void*, mc_bytes request_pb, mc_bytes* response_pb_out) {
  return Trampoline([&]() -> mc_error* {
    std::vector<uint64_t> phys;
    Reader r({request_pb.data, request_pb.size});
    while (r.Next()) {
      if (r.field() == 3) {
        r.Varints([&](uint64_t v) { phys.push_back(v); });
      } else {
        r.Skip();
      }
    }
    std::string ids;
    Writer w;
    for (size_t i = 0; i < phys.size(); ++i) {
      if (i) ids += ",";
      ids += std::to_string(phys[i]);
    }
    w.MapEntry(1, "EXAMPLE_VISIBLE_DEVICES", ids);
    w.MapEntry(2, "EXAMPLE_VISIBLE_DEVICES", ids);
    for (uint64_t p : phys) w.Bytes(3, "/dev/example" + std::to_string(p));
    w.Bytes(3, "/dev/example_ctl");
    Out(w.str(), response_pb_out);
    return nullptr;
  });
}

bool ParseDotted(std::string_view s, std::vector<long>* out) {
  if (s.empty()) return false;
  long cur = -1;
  for (char c : s) {
    if (c == '.') {
      if (cur < 0) return false;
      out->push_back(cur);
      cur = -1;
    } else if (c >= '0' && c <= '9') {
      cur = (cur < 0 ? 0 : cur) * 10 + (c - '0');
      if (cur > 1000000000) return false;
    } else {
      return false;
    }
  }
  if (cur < 0) return false;
  out->push_back(cur);
  return true;
}

mc_error* CompareVersions(void*, mc_bytes, mc_bytes a, mc_bytes b, int32_t* result_out) {
  return Trampoline([&]() -> mc_error* {
    std::vector<long> va, vb;
    if (!ParseDotted({a.data, a.size}, &va) || !ParseDotted({b.data, b.size}, &vb)) {
      return Error(MC_CODE_INVALID_ARGUMENT, "version: want dotted numbers, e.g. 1.2.0");
    }
    va.resize(std::max(va.size(), vb.size()), 0);
    vb.resize(va.size(), 0);
    *result_out = va < vb ? -1 : (va > vb ? 1 : 0);
    return nullptr;
  });
}

void FreeBytes(void*, mc_bytes b) { delete[] b.data; }
int32_t ErrorCode(const mc_error* e) { return e->code; }
mc_bytes ErrorMessage(const mc_error* e) { return {e->message.data(), e->message.size()}; }
void ErrorDestroy(mc_error* e) { delete e; }

#ifdef MC_EXAMPLE_ABI_MAJOR
constexpr uint32_t kAbiMajor = MC_EXAMPLE_ABI_MAJOR;  // deliberately wrong build
#else
constexpr uint32_t kAbiMajor = MC_ADAPTER_ABI_MAJOR;
#endif

const mc_device_adapter kTable = {
    sizeof(mc_device_adapter),
    kAbiMajor,
    MC_ADAPTER_ABI_MINOR,
    nullptr,
    {"example", 7},
    Discover,
    Choose,
    Visibility,
    CompareVersions,
    FreeBytes,
    ErrorCode,
    ErrorMessage,
    ErrorDestroy,
    nullptr,
};

}  // namespace

#ifndef MC_EXAMPLE_OMIT_ENTRY
extern "C" MC_ADAPTER_EXPORT const mc_device_adapter* manychip_device_adapter_get(
    uint32_t host_abi_major) {
#ifdef MC_EXAMPLE_ABI_MAJOR
  (void)host_abi_major;  // the wrong build answers regardless, so the host must check
  return &kTable;
#else
  return host_abi_major == MC_ADAPTER_ABI_MAJOR ? &kTable : nullptr;
#endif
}
#endif
