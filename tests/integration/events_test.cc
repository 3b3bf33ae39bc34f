// The event log end to end: a real manychipd with an agent, two tenants'
// jobs where the second preempts the first, and `manychipctl events`
// showing the preemption with both sides — as a page (ListEvents), as JSON,
// filtered by either job, and live (`--follow`, WatchEvents).

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "tests/integration/harness.h"

namespace manychip::testing {
namespace {

// ShellJob with a priority, optionally preemptible.
std::string PriorityJob(const std::string& tenant, int priority, bool preemptible) {
  return absl::StrReplaceAll(
      ShellJob(tenant, 1, 8, "sleep 120"),
      {{"\"kind\"", absl::StrCat("\"priority\": ", priority, ", \"preemptible\": ",
                                 preemptible ? "true" : "false", ", \"kind\"")}});
}

std::string SubmitOk(Cluster& c, const std::string& name, const std::string& json) {
  CtlResult r = c.Ctl({"submit", c.JobFile(name, json)});
  EXPECT_EQ(r.code, 0) << r.out;
  std::string id = r.out;
  while (!id.empty() && id.back() == '\n') id.pop_back();
  return id;
}

// The lines of `text` that parse as a v1.Event (manychipctl -o json events).
std::vector<v1::Event> ParseEvents(const std::string& text) {
  std::vector<v1::Event> out;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    v1::Event ev;
    if (codec::ParseJson(line, "event", &ev).ok()) out.push_back(std::move(ev));
  }
  return out;
}

const v1::Event* FindKind(const std::vector<v1::Event>& events, const std::string& kind) {
  for (const v1::Event& e : events) {
    if (e.kind() == kind) return &e;
  }
  return nullptr;
}

TEST(EventsTest, ManychipctlEventsShowsAPreemptionWithBothSides) {
  Cluster c;
  ASSERT_TRUE(c.StartDaemon());
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  ASSERT_TRUE(c.WaitNodes(1, absl::Seconds(15))) << c.Logs();

  // A follower from the start of the log: history, then live events.
  Process follow(
      {Bin("manychipctl"), "--server=" + c.address(), "-o", "json", "events", "--follow"},
      c.File("follow.log"));
  ASSERT_GT(follow.pid(), 0);

  const std::string low = SubmitOk(c, "low.json", PriorityJob("team-b", 1, true));
  ASSERT_TRUE(c.WaitPhase(low, v1::RUNNING, absl::Seconds(20))) << c.Logs();
  const std::string urgent = SubmitOk(c, "urgent.json", PriorityJob("team-a", 9, false));
  ASSERT_TRUE(c.WaitPhase(urgent, v1::RUNNING, absl::Seconds(30))) << c.Logs();
  ASSERT_TRUE(c.WaitPhase(low, v1::PENDING, absl::Seconds(5))) << c.Logs();

  // The table: one line naming the preemptor and its victim.
  CtlResult table = c.Ctl({"events"});
  ASSERT_EQ(table.code, 0) << table.out;
  std::string line;
  for (absl::string_view l : absl::StrSplit(table.out, '\n')) {
    if (absl::StrContains(l, "job.preempted")) line = std::string(l);
  }
  ASSERT_FALSE(line.empty()) << table.out;
  EXPECT_TRUE(
      absl::StrContains(line, absl::StrCat(urgent, " (tenant team-a, priority 9) preempted ", low,
                                           " (tenant team-b, priority 1)")))
      << line;
  for (const char* kind : {"job.submitted", "task.bound", "task.started", "task.stopped"}) {
    EXPECT_TRUE(absl::StrContains(table.out, kind)) << kind << "\n" << table.out;
  }

  // JSON: the same event with both sides as structured data.
  CtlResult json = c.Ctl({"-o", "json", "events"});
  ASSERT_EQ(json.code, 0) << json.out;
  const std::vector<v1::Event> all = ParseEvents(json.out);
  const v1::Event* p = FindKind(all, "job.preempted");
  ASSERT_NE(p, nullptr) << json.out;
  EXPECT_EQ(p->subject(), urgent);
  EXPECT_EQ(p->refs().preemptor().job_id(), urgent);
  EXPECT_EQ(p->refs().preemptor().tenant(), "team-a");
  ASSERT_EQ(p->refs().victims_size(), 1);
  EXPECT_EQ(p->refs().victims(0).job_id(), low);
  EXPECT_EQ(p->refs().victims(0).tenant(), "team-b");
  for (size_t i = 1; i < all.size(); ++i) EXPECT_GT(all[i].seq(), all[i - 1].seq());

  // Either job's filter finds it; --since skips what came before.
  for (const std::string& id : {low, urgent}) {
    CtlResult one = c.Ctl({"-o", "json", "events", id});
    ASSERT_EQ(one.code, 0) << one.out;
    EXPECT_NE(FindKind(ParseEvents(one.out), "job.preempted"), nullptr) << id << "\n" << one.out;
  }
  CtlResult since = c.Ctl({"-o", "json", "events", "--since", absl::StrCat(p->seq())});
  ASSERT_EQ(since.code, 0) << since.out;
  for (const v1::Event& e : ParseEvents(since.out)) EXPECT_GT(e.seq(), p->seq());

  // The follower saw the same preemption, live, with the same seq.
  ASSERT_TRUE(WaitFor(
      [&] {
        const v1::Event* f = FindKind(ParseEvents(Slurp(c.File("follow.log"))), "job.preempted");
        return f != nullptr && f->seq() == p->seq();
      },
      absl::Seconds(10)))
      << Slurp(c.File("follow.log"));
  EXPECT_TRUE(follow.running());

  // Bad input is refused with the field named, and exit status 2.
  CtlResult bad = c.Ctl({"events", "--since", "-3"});
  EXPECT_EQ(bad.code, 2) << bad.out;
  EXPECT_TRUE(absl::StrContains(bad.out, "--since")) << bad.out;
}

}  // namespace
}  // namespace manychip::testing
