#include "adapters/c_abi/c_abi_adapter.h"

#include <dlfcn.h>

#include <exception>

#include "absl/strings/str_cat.h"
#include "adapters/common/stack_version.h"
#include "manychip/codec/model.h"
#include "manychip/v1/adapter.pb.h"

namespace manychip {
namespace {

// The three spellings of a choose failure must agree number for number.
#define MC_SAME_FAILURE(cpp, c, pb)                               \
  static_assert(static_cast<int>(ChooseFailure::cpp) == (c), #c); \
  static_assert(static_cast<int>(v1::pb) == (c), #pb)
MC_SAME_FAILURE(kNone, MC_CHOOSE_FAILURE_NONE, CHOOSE_FAILURE_NONE);
MC_SAME_FAILURE(kInsufficientDevices, MC_CHOOSE_FAILURE_INSUFFICIENT_DEVICES,
                CHOOSE_FAILURE_INSUFFICIENT_DEVICES);
MC_SAME_FAILURE(kIllegalCount, MC_CHOOSE_FAILURE_ILLEGAL_COUNT, CHOOSE_FAILURE_ILLEGAL_COUNT);
MC_SAME_FAILURE(kNoLegalGroup, MC_CHOOSE_FAILURE_NO_LEGAL_GROUP, CHOOSE_FAILURE_NO_LEGAL_GROUP);
MC_SAME_FAILURE(kInsufficientMemory, MC_CHOOSE_FAILURE_INSUFFICIENT_MEMORY,
                CHOOSE_FAILURE_INSUFFICIENT_MEMORY);
MC_SAME_FAILURE(kUnsupported, MC_CHOOSE_FAILURE_UNSUPPORTED, CHOOSE_FAILURE_UNSUPPORTED);
static_assert(v1::AdapterChooseFailure_MAX == MC_CHOOSE_FAILURE_UNSUPPORTED,
              "a new failure reason needs its C macro and ChooseFailure value");
#undef MC_SAME_FAILURE

}  // namespace

CAbiDeviceAdapter::CAbiDeviceAdapter(std::string path, void* dl_handle,
                                     const mc_device_adapter* table)
    : path_(std::move(path)),
      dl_handle_(dl_handle),
      table_(table),
      vendor_(table->vendor.data, table->vendor.size) {}

CAbiDeviceAdapter::~CAbiDeviceAdapter() {
  if (table_->destroy != nullptr) table_->destroy(table_->self);
  if (dl_handle_ != nullptr) dlclose(dl_handle_);
}

absl::Status CAbiDeviceAdapter::TakeError(mc_error* error, absl::string_view call) const {
  if (error == nullptr) return absl::OkStatus();
  const int32_t code = table_->error_code(error);
  const mc_bytes msg = table_->error_message(error);
  std::string text = absl::StrCat(path_, ": ", call, ": ", absl::string_view(msg.data, msg.size));
  table_->error_destroy(error);
  // Codes outside absl's range are the adapter's bug, reported as Internal.
  const auto status_code =
      (code > 0 && code <= 16) ? static_cast<absl::StatusCode>(code) : absl::StatusCode::kInternal;
  return absl::Status(status_code, text);
}

absl::StatusOr<std::string> CAbiDeviceAdapter::CallBytes(mc_error* (*fn)(void*, mc_bytes,
                                                                         mc_bytes*),
                                                         const std::string& request,
                                                         absl::string_view call) const {
  mc_bytes out{nullptr, 0};
  mc_error* err = fn(table_->self, mc_bytes{request.data(), request.size()}, &out);
  absl::Status s = TakeError(err, call);
  if (!s.ok()) return s;
  std::string copy(out.data != nullptr ? out.data : "", out.size);
  if (out.data != nullptr) table_->free_bytes(table_->self, out);
  return copy;
}

absl::StatusOr<DiscoveredDevices> CAbiDeviceAdapter::Discover(
    const Catalog& catalog, const DiscoverOptions& options) const {
  try {
    v1::AdapterDiscoverRequest req;
    req.set_sysfs_root(options.sysfs_root);
    req.set_dev_root(options.dev_root);
    req.set_tool_output_dir(options.tool_output_dir);
    auto bytes = CallBytes(table_->discover, req.SerializeAsString(), "discover");
    if (!bytes.ok()) return bytes.status();
    v1::AdapterDiscoverResponse resp;
    if (!resp.ParseFromString(*bytes)) {
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": discover: response is not an AdapterDiscoverResponse"));
    }
    if (resp.devices().empty()) return DiscoveredDevices{};
    // Validate through the codec's node rules (models resolve, indexes
    // 0..n-1, unique uuids, symmetric links) with placeholder host fields.
    v1::Node node;
    node.set_name("c-abi-discover");
    node.set_arch("x86_64");
    node.set_cpu_milli(1);
    node.set_memory_mib(1);
    *node.mutable_devices() = resp.devices();
    auto spec = codec::NodeFromProto(node, catalog, absl::StrCat(path_, ": discover: "));
    if (!spec.ok()) return spec.status();
    DiscoveredDevices out;
    out.devices = std::move(spec->devices);
    for (const auto& [k, v] : resp.software()) out.software[k] = v;
    out.board = resp.board();
    return out;
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(path_, ": discover: ", e.what()));
  }
}

ChooseResult CAbiDeviceAdapter::Choose(const NodeSpec& node, absl::Span<const MilliDevices> free,
                                       const ChooseRequest& request) const {
  ChooseResult result;
  try {
    v1::AdapterChooseRequest req;
    req.set_node_name(node.name);
    req.set_board(node.board);
    req.set_cards(request.cards);
    req.set_share_milli(request.share.raw());
    req.set_min_device_memory_mib(request.min_device_memory.raw());
    for (size_t i = 0; i < node.devices.size(); ++i) {
      const DeviceSpec& d = node.devices[i];
      req.add_free_milli(i < free.size() ? free[i].raw() : 0);
      req.add_device_memory_mib(d.memory.raw());
      req.add_healthy(d.healthy);
      req.add_numa_node(d.numa_node);
    }
    // One buffer per thread: Choose runs per candidate node on the hot path.
    thread_local std::string buffer;
    buffer.clear();
    req.SerializeToString(&buffer);
    auto bytes = CallBytes(table_->choose, buffer, "choose");
    if (!bytes.ok()) {
      result.failure = ChooseFailure::kUnsupported;
      result.detail = std::string(bytes.status().message());
      return result;
    }
    v1::AdapterChooseResponse resp;
    if (!resp.ParseFromString(*bytes)) {
      result.failure = ChooseFailure::kUnsupported;
      result.detail = absl::StrCat(path_, ": choose: response is not an AdapterChooseResponse");
      return result;
    }
    result.ok = resp.ok();
    result.score = resp.score();
    result.detail = resp.detail();
    result.failure = static_cast<ChooseFailure>(resp.failure());
    if (resp.failure() < 0 || resp.failure() > MC_CHOOSE_FAILURE_UNSUPPORTED) {
      result.failure = ChooseFailure::kUnsupported;
    }
    // Never trust the answer blindly: indexes must name free, distinct
    // devices and match the request, or the answer is refused.
    int32_t prev = -1;
    for (int32_t dev : resp.devices()) {
      if (dev <= prev || dev >= static_cast<int32_t>(node.devices.size())) {
        return ChooseResult{false,
                            {},
                            0,
                            ChooseFailure::kUnsupported,
                            absl::StrCat(path_, ": choose: bad device index ", dev)};
      }
      prev = dev;
      result.devices.push_back(dev);
    }
    if (result.ok && static_cast<int32_t>(result.devices.size()) != request.cards) {
      return ChooseResult{false,
                          {},
                          0,
                          ChooseFailure::kUnsupported,
                          absl::StrCat(path_, ": choose: returned ", result.devices.size(),
                                       " devices for ", request.cards)};
    }
    if (!result.ok) {
      result.devices.clear();
      if (result.failure == ChooseFailure::kNone) result.failure = ChooseFailure::kUnsupported;
    }
    return result;
  } catch (const std::exception& e) {
    result.failure = ChooseFailure::kUnsupported;
    result.detail = absl::StrCat(path_, ": choose: ", e.what());
    return result;
  }
}

Visibility CAbiDeviceAdapter::VisibilityFor(const NodeSpec& node,
                                            absl::Span<const int32_t> devices) const {
  Visibility v;
  try {
    v1::AdapterVisibilityRequest req;
    req.set_board(node.board);
    for (int32_t i : devices) {
      req.add_devices(i);
      req.add_physical_ids(node.devices[i].physical_id >= 0 ? node.devices[i].physical_id : i);
      req.add_uuids(node.devices[i].uuid);
    }
    auto bytes = CallBytes(table_->visibility, req.SerializeAsString(), "visibility");
    v1::AdapterVisibilityResponse resp;
    if (!bytes.ok() || !resp.ParseFromString(*bytes)) return v;
    for (const auto& [k, val] : resp.env()) v.env[k] = val;
    for (const auto& [k, val] : resp.container_env()) v.container_env[k] = val;
    v.device_nodes.assign(resp.device_nodes().begin(), resp.device_nodes().end());
    v.mounts.assign(resp.mounts().begin(), resp.mounts().end());
  } catch (const std::exception&) {
    return Visibility{};
  }
  return v;
}

absl::StatusOr<int> CAbiDeviceAdapter::CompareStackVersions(absl::string_view stack,
                                                            absl::string_view a,
                                                            absl::string_view b) const {
  int32_t result = 0;
  mc_error* err =
      table_->compare_versions(table_->self, mc_bytes{stack.data(), stack.size()},
                               mc_bytes{a.data(), a.size()}, mc_bytes{b.data(), b.size()}, &result);
  absl::Status s = TakeError(err, "compare_versions");
  if (!s.ok()) return s;
  return result < 0 ? -1 : (result > 0 ? 1 : 0);
}

absl::Status CAbiDeviceAdapter::CheckStack(const NodeSpec& node, absl::string_view stack,
                                           absl::string_view min_version) const {
  return stack::CheckMinVersion(node, stack, min_version,
                                [this, stack](absl::string_view a, absl::string_view b) {
                                  return CompareStackVersions(stack, a, b);
                                });
}

}  // namespace manychip
