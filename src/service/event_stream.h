#pragma once

// EventWatchReactor: one WatchEvents stream, the event log's twin of the
// WatchJobs reactor in server.cc. Its StreamOutbox decides when to write and
// when to finish (the slow-client byte bound included); the reactor only
// forwards gRPC's reactions to it, and its Link is the controller's handle
// on the stream (EventHub). Deletes itself in OnDone.
//
// Thread-safety: gRPC runs the reactions; the Link is thread-safe.

#include <memory>
#include <utility>

#include "grpcpp/support/server_callback.h"
#include "manychip/v1/scheduler.pb.h"
#include "src/service/controller.h"
#include "src/service/event_hub.h"
#include "src/service/grpc_status.h"
#include "src/service/stream_outbox.h"

namespace manychip::internal {

class EventWatchReactor final : public grpc::ServerWriteReactor<v1::Event>,
                                public StreamWriter<v1::Event> {
 public:
  class Link final : public EventLink {
   public:
    explicit Link(std::shared_ptr<StreamOutbox<v1::Event>> outbox) : outbox_(std::move(outbox)) {}
    bool Send(const v1::Event& ev) override { return outbox_->Push(ev); }
    bool SendHistory(const v1::Event& ev) override { return outbox_->PushUncounted(ev); }
    void Close(const absl::Status& status) override { outbox_->Close(status); }

   private:
    std::shared_ptr<StreamOutbox<v1::Event>> outbox_;
  };

  EventWatchReactor(Controller* controller, OutboxLimits limits)
      : controller_(controller),
        outbox_(std::make_shared<StreamOutbox<v1::Event>>(this, limits)),
        link_(std::make_shared<Link>(outbox_)) {}
  std::shared_ptr<EventLink> link() const { return link_; }
  StreamOutbox<v1::Event>& outbox() { return *outbox_; }

  void OnWriteDone(bool ok) override { outbox_->OnWriteDone(ok); }
  void OnCancel() override { outbox_->Close(absl::CancelledError("watch cancelled")); }
  void OnDone() override {
    outbox_->OnDone();
    // The lambda keeps the link, so its address names no other watcher
    // until the controller has forgotten it.
    controller_->Post("events.watch_done", [c = controller_, link = std::move(link_)] {
      c->RemoveEventWatcher(link.get());
    });
    delete this;
  }

 private:
  void Write(const v1::Event& ev) override { StartWrite(&ev); }
  void End(const absl::Status& status) override { Finish(ToGrpcStatus(status)); }

  Controller* controller_;
  std::shared_ptr<StreamOutbox<v1::Event>> outbox_;
  std::shared_ptr<EventLink> link_;
};

}  // namespace manychip::internal
