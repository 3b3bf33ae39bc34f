#include "src/service/event_view.h"

#include "gtest/gtest.h"

namespace manychip::internal {
namespace {

const Caller kAdmin{.admin = true, .tenant = ""};
const Caller kProd{.admin = false, .tenant = "prod"};
const Caller kBatch{.admin = false, .tenant = "batch"};
const Caller kOther{.admin = false, .tenant = "other"};

v1::Event Preempted() {
  Preemption p{
      .preemptor = {.job_id = "prod.urgent", .tenant = "prod", .priority = 9},
      .victims = {{.job_id = "batch.low", .tenant = "batch", .priority = 1},
                  {.job_id = "prod.old", .tenant = "prod", .priority = 0, .gang_hold = true}}};
  EventRecord r{.seq = 7,
                .unix_ms = 1000,
                .kind = "job.preempted",
                .subject = p.preemptor.job_id,
                .detail = "",
                .refs = PreemptionRefs(p)};
  r.detail = PreemptionDetail(r.refs);
  return EventToProto(r);
}

v1::Event JobEvent(const std::string& id, const std::string& tenant) {
  EventRecord r{.seq = 3, .unix_ms = 1, .kind = "job.submitted", .subject = id, .detail = tenant};
  r.refs.mutable_job()->set_job_id(id);
  r.refs.mutable_job()->set_tenant(tenant);
  return EventToProto(r);
}

v1::Event NodeEvent() {
  EventRecord r{.seq = 4, .unix_ms = 1, .kind = "node.not_ready", .subject = "n1", .detail = ""};
  r.refs.set_node("n1");
  return EventToProto(r);
}

TEST(EventViewTest, AdminSeesThePreemptionWithBothSides) {
  std::optional<v1::Event> ev = EventForCaller(kAdmin, Preempted());
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->seq(), 7);
  EXPECT_EQ(ev->subject(), "prod.urgent");
  EXPECT_EQ(ev->detail(),
            "prod.urgent (tenant prod, priority 9) preempted batch.low (tenant batch, priority 1), "
            "prod.old (tenant prod, priority 0, gang hold)");
  EXPECT_EQ(ev->refs().preemptor().job_id(), "prod.urgent");
  ASSERT_EQ(ev->refs().victims_size(), 2);
  EXPECT_EQ(ev->refs().victims(0).job_id(), "batch.low");
  EXPECT_TRUE(ev->refs().victims(1).gang_hold());
}

TEST(EventViewTest, EachSideSeesItsOwnJobsAndTheOtherTenantsRedacted) {
  std::optional<v1::Event> prod = EventForCaller(kProd, Preempted());
  ASSERT_TRUE(prod.has_value());
  EXPECT_EQ(prod->subject(), "prod.urgent");
  EXPECT_EQ(prod->refs().victims(0).job_id(), "");
  EXPECT_EQ(prod->refs().victims(0).tenant(), "");
  EXPECT_EQ(prod->refs().victims(0).priority(), 1);
  EXPECT_EQ(prod->refs().victims(1).job_id(), "prod.old");
  EXPECT_EQ(prod->detail(),
            "prod.urgent (tenant prod, priority 9) preempted a job of another tenant (priority 1), "
            "prod.old (tenant prod, priority 0, gang hold)");

  std::optional<v1::Event> batch = EventForCaller(kBatch, Preempted());
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->subject(), "");
  EXPECT_EQ(batch->refs().preemptor().job_id(), "");
  EXPECT_EQ(batch->refs().job().job_id(), "");
  EXPECT_EQ(batch->refs().victims(0).job_id(), "batch.low");
  EXPECT_EQ(batch->refs().victims(1).job_id(), "");
  EXPECT_EQ(batch->detail().find("prod."), std::string::npos) << batch->detail();
  EXPECT_EQ(batch->detail(),
            "a job of another tenant (priority 9) preempted batch.low (tenant batch, priority 1), "
            "a job of another tenant (priority 0, gang hold)");

  EXPECT_FALSE(EventForCaller(kOther, Preempted()).has_value());
}

TEST(EventViewTest, TenantsSeeTheirJobsEventsAndNoNodeEvents) {
  EXPECT_TRUE(EventForCaller(kProd, JobEvent("prod.a", "prod")).has_value());
  EXPECT_FALSE(EventForCaller(kBatch, JobEvent("prod.a", "prod")).has_value());
  EXPECT_FALSE(EventForCaller(kProd, NodeEvent()).has_value());
  EXPECT_TRUE(EventForCaller(kAdmin, NodeEvent()).has_value());
  // An event stored before refs existed names no job: the admin's.
  v1::Event old = JobEvent("prod.a", "prod");
  old.clear_refs();
  EXPECT_FALSE(EventForCaller(kProd, old).has_value());
}

TEST(EventViewTest, AJobFilterMatchesEitherSideOfAPreemption) {
  EXPECT_TRUE(EventNamesJob(Preempted(), ""));
  EXPECT_TRUE(EventNamesJob(Preempted(), "prod.urgent"));
  EXPECT_TRUE(EventNamesJob(Preempted(), "batch.low"));
  EXPECT_FALSE(EventNamesJob(Preempted(), "batch.other"));
  EXPECT_FALSE(EventNamesJob(NodeEvent(), "prod.a"));
}

}  // namespace
}  // namespace manychip::internal
