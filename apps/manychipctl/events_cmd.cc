#include "apps/manychipctl/events_cmd.h"

#include <iostream>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "manychip/codec/json.h"

namespace manychipctl {
namespace {

namespace v1 = manychip::v1;

void Print(const v1::Event& ev, bool json) {
  if (json) {
    auto j = manychip::codec::ToJson(ev, /*pretty=*/false);
    if (j.ok()) std::cout << *j << std::endl;
    return;
  }
  const std::string when = absl::FormatTime(
      "%Y-%m-%dT%H:%M:%E3S", absl::FromUnixMillis(ev.unix_ms()), absl::LocalTimeZone());
  std::cout << absl::StrFormat("%-6d %-23s %-20s %-28s %s", ev.seq(), when, ev.kind(),
                               ev.subject().empty() ? "-" : ev.subject(), ev.detail())
            << std::endl;
}

}  // namespace

int RunEvents(const EventsCalls& calls, const EventsOptions& o) {
  bool header = o.json;  // the table's header, once the server answered
  int64_t after = o.since;
  while (true) {
    v1::ListEventsRequest req;
    req.set_after_seq(after);
    req.set_job_id(o.job_id);
    v1::ListEventsResponse resp;
    auto ctx = calls.context(/*deadline=*/true);
    grpc::Status s = calls.stub->ListEvents(ctx.get(), req, &resp);
    if (!s.ok()) return calls.server_error(s);
    if (!header) {
      std::cout << absl::StrFormat("%-6s %-23s %-20s %-28s %s", "SEQ", "TIME", "KIND", "SUBJECT",
                                   "DETAIL")
                << std::endl;
      header = true;
    }
    for (const v1::Event& ev : resp.events()) Print(ev, o.json);
    if (resp.last_seq() <= after) break;
    after = resp.last_seq();
  }
  if (!o.follow) return 0;
  v1::WatchEventsRequest req;
  req.set_after_seq(after);
  req.set_job_id(o.job_id);
  auto ctx = calls.context(/*deadline=*/false);
  auto reader = calls.stub->WatchEvents(ctx.get(), req);
  v1::Event ev;
  while (reader->Read(&ev)) Print(ev, o.json);
  grpc::Status s = reader->Finish();
  if (!s.ok()) return calls.server_error(s);
  return 0;
}

}  // namespace manychipctl
