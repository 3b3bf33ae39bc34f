#include "src/service/parse_error_interceptor.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"

namespace manychip::internal {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::InterceptorBatchMethods;

// "/manychip.v1.Scheduler/SubmitJob" -> "manychip.v1.SubmitJobRequest", or
// the method path when the pool does not know it.
std::string RequestTypeOf(const char* method) {
  std::string name = absl::StrReplaceAll(absl::StripPrefix(method, "/"), {{"/", "."}});
  const google::protobuf::MethodDescriptor* m =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
  return m == nullptr ? absl::StrCat("the request of ", method) : m->input_type()->full_name();
}

class ParseErrorInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit ParseErrorInterceptor(grpc::experimental::ServerRpcInfo* info) : info_(info) {}

  void Intercept(InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE) &&
        OneRequest() && methods->GetRecvMessage() == nullptr) {
      unparsed_ = true;
    }
    if (unparsed_ && methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        methods->GetSendStatus().error_code() == grpc::StatusCode::UNIMPLEMENTED) {
      methods->ModifySendStatus(
          grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                       absl::StrCat("request: the bytes sent are not a valid ",
                                    RequestTypeOf(info_->method()), " (protobuf parse failed)")));
    }
    methods->Proceed();
  }

 private:
  // A unary or server-streaming call: its one request is parsed before the
  // handler runs, so a null message can only mean a failed parse.
  bool OneRequest() const {
    using Type = grpc::experimental::ServerRpcInfo::Type;
    return info_->type() == Type::UNARY || info_->type() == Type::SERVER_STREAMING;
  }

  grpc::experimental::ServerRpcInfo* info_;
  bool unparsed_ = false;
};

class Factory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new ParseErrorInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeParseErrorInterceptorFactory() {
  return std::make_unique<Factory>();
}

}  // namespace manychip::internal
