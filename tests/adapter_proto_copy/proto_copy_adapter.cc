// A device adapter that decodes and encodes the C ABI's messages with
// protoc-generated classes. Built twice (CMakeLists.txt here): from a renamed
// copy of the .proto files (package acme.v1), and, to show the abort the C
// header warns about, from the shipped files (package manychip.v1).
//
// choose: the lowest-index free healthy devices, whole cards only.

#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "manychip/adapters/c_api/manychip_adapter.h"

#ifdef MC_PROTO_COPY_SAME_PACKAGE
#include "manychip/v1/adapter.pb.h"
namespace pb = manychip::v1;
#else
#include "acme/v1/adapter.pb.h"
namespace pb = acme::v1;
#endif

struct mc_error {
  int32_t code;
  std::string message;
};

namespace {

mc_error* Error(int32_t code, std::string message) {
  return new (std::nothrow) mc_error{code, std::move(message)};
}

mc_error* Choose(void*, mc_bytes request_pb, mc_bytes* response_pb_out) {
  try {
    pb::AdapterChooseRequest req;
    if (!req.ParseFromArray(request_pb.data, static_cast<int>(request_pb.size))) {
      return Error(MC_CODE_INVALID_ARGUMENT, "choose: not an AdapterChooseRequest");
    }
    pb::AdapterChooseResponse resp;
    if (req.share_milli() != 1000) {
      resp.set_failure(pb::CHOOSE_FAILURE_UNSUPPORTED);
    } else {
      for (int i = 0; i < req.free_milli_size() && resp.devices_size() < req.cards(); ++i) {
        const bool healthy = i < req.healthy_size() && req.healthy(i);
        if (healthy && req.free_milli(i) >= 1000) resp.add_devices(i);
      }
      resp.set_ok(resp.devices_size() == req.cards());
      if (!resp.ok()) resp.set_failure(pb::CHOOSE_FAILURE_INSUFFICIENT_DEVICES);
    }
    const std::string out = resp.SerializeAsString();
    char* data = new char[out.size() + 1];
    std::memcpy(data, out.data(), out.size());
    response_pb_out->data = data;
    response_pb_out->size = out.size();
    return nullptr;
  } catch (const std::exception& e) {
    return Error(MC_CODE_INTERNAL, e.what());
  } catch (...) {
    return Error(MC_CODE_INTERNAL, "unknown exception");
  }
}

mc_error* Unimplemented(void*, mc_bytes, mc_bytes*) {
  return Error(MC_CODE_UNIMPLEMENTED, "not in this test adapter");
}

mc_error* CompareVersions(void*, mc_bytes, mc_bytes, mc_bytes, int32_t*) {
  return Error(MC_CODE_UNIMPLEMENTED, "not in this test adapter");
}

void FreeBytes(void*, mc_bytes bytes) { delete[] bytes.data; }
int32_t ErrorCode(const mc_error* e) { return e->code; }
mc_bytes ErrorMessage(const mc_error* e) { return {e->message.data(), e->message.size()}; }
void ErrorDestroy(mc_error* e) { delete e; }

const mc_device_adapter kTable = {sizeof(mc_device_adapter),
                                  MC_ADAPTER_ABI_MAJOR,
                                  MC_ADAPTER_ABI_MINOR,
                                  nullptr,
                                  {"acme", 4},
                                  Unimplemented,
                                  Choose,
                                  Unimplemented,
                                  CompareVersions,
                                  FreeBytes,
                                  ErrorCode,
                                  ErrorMessage,
                                  ErrorDestroy,
                                  nullptr};

}  // namespace

extern "C" MC_ADAPTER_EXPORT const mc_device_adapter* manychip_device_adapter_get(
    uint32_t host_abi_major) {
  return host_abi_major == MC_ADAPTER_ABI_MAJOR ? &kTable : nullptr;
}
