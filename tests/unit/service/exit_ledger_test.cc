#include "src/service/exit_ledger.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace manychip::internal {
namespace {

v1::TaskEvent Exit(const std::string& id, int32_t attempt, int32_t code = 0) {
  v1::TaskEvent ev;
  ev.set_task_id(id);
  ev.set_attempt(attempt);
  ev.set_kind(v1::EXITED);
  ev.set_exit_code(code);
  return ev;
}

std::vector<std::string> Keys(const ExitLedger& ledger) {
  std::vector<std::string> out;
  for (const v1::TaskEvent& ev : ledger.Outcomes()) {
    out.push_back(ev.task_id() + "#" + std::to_string(ev.attempt()));
  }
  return out;
}

class ExitLedgerTest : public ::testing::Test {
 protected:
  ExitLedgerTest() {
    char tmpl[] = "/tmp/mc-ledger-XXXXXX";
    dir_ = std::string(mkdtemp(tmpl)) + "/exits";
  }
  ~ExitLedgerTest() override {
    std::filesystem::remove_all(std::filesystem::path(dir_).parent_path());
  }
  std::string dir_;
};

TEST_F(ExitLedgerTest, KeepsOutcomesUntilAcknowledgedPerTaskAndAttempt) {
  ExitLedger ledger;
  ASSERT_TRUE(ledger.Add(Exit("j/g/0", 1)).ok());
  ASSERT_TRUE(ledger.Add(Exit("j/g/1", 1)).ok());
  ASSERT_TRUE(ledger.Add(Exit("j/g/0", 2)).ok());
  EXPECT_EQ(Keys(ledger), (std::vector<std::string>{"j/g/0#1", "j/g/1#1", "j/g/0#2"}));
  EXPECT_FALSE(ledger.Acknowledge("j/g/0", 3)) << "another attempt is not acknowledged";
  EXPECT_TRUE(ledger.Acknowledge("j/g/0", 1));
  EXPECT_FALSE(ledger.Acknowledge("j/g/0", 1)) << "a second ack is a no-op";
  EXPECT_EQ(Keys(ledger), (std::vector<std::string>{"j/g/1#1", "j/g/0#2"}));
}

TEST_F(ExitLedgerTest, SameAttemptReplacesInPlace) {
  ExitLedger ledger;
  ASSERT_TRUE(ledger.Add(Exit("a", 1, 3)).ok());
  ASSERT_TRUE(ledger.Add(Exit("b", 1)).ok());
  ASSERT_TRUE(ledger.Add(Exit("a", 1, 4)).ok());
  ASSERT_EQ(ledger.size(), 2u);
  EXPECT_EQ(ledger.Outcomes()[0].exit_code(), 4);
}

TEST_F(ExitLedgerTest, RejectsEventsThatAreNotOutcomes) {
  ExitLedger ledger;
  v1::TaskEvent started = Exit("a", 1);
  started.set_kind(v1::STARTED);
  absl::Status s = ledger.Add(started);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("event.kind"), std::string::npos) << s;
  EXPECT_EQ(ledger.Add(Exit("", 1)).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ledger.size(), 0u);
}

TEST_F(ExitLedgerTest, ForgetsTheOldestBeyondTheCap) {
  ExitLedger ledger;
  for (size_t i = 0; i < ExitLedger::kMaxOutcomes + 2; ++i) {
    ASSERT_TRUE(ledger.Add(Exit("t" + std::to_string(i), 1)).ok());
  }
  EXPECT_EQ(ledger.size(), ExitLedger::kMaxOutcomes);
  EXPECT_EQ(ledger.Outcomes().front().task_id(), "t2");
}

// An agent restart reads back what was not acknowledged, and only that.
TEST_F(ExitLedgerTest, ReopenedLedgerHoldsWhatWasNotAcknowledged) {
  {
    absl::StatusOr<ExitLedger> ledger = ExitLedger::Open(dir_);
    ASSERT_TRUE(ledger.ok()) << ledger.status();
    v1::TaskEvent failed = Exit("j/g/1", 1, 127);
    failed.set_kind(v1::FAILED_TO_START);
    failed.set_message("command not found");
    ASSERT_TRUE(ledger->Add(Exit("j/g/0", 1)).ok());
    ASSERT_TRUE(ledger->Add(failed).ok());
    ASSERT_TRUE(ledger->Add(Exit("j/g/2", 1)).ok());
    EXPECT_TRUE(ledger->Acknowledge("j/g/2", 1));
  }
  absl::StatusOr<ExitLedger> again = ExitLedger::Open(dir_);
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_EQ(Keys(*again), (std::vector<std::string>{"j/g/0#1", "j/g/1#1"}));
  EXPECT_EQ(again->Outcomes()[1].kind(), v1::FAILED_TO_START);
  EXPECT_EQ(again->Outcomes()[1].message(), "command not found");
  // Acknowledging in the new life removes the file too.
  EXPECT_TRUE(again->Acknowledge("j/g/0", 1));
  absl::StatusOr<ExitLedger> third = ExitLedger::Open(dir_);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(Keys(*third), (std::vector<std::string>{"j/g/1#1"}));
}

// Task ids that differ only where '/' and '%' are escaped keep their own files.
TEST_F(ExitLedgerTest, TaskIdsThatLookAlikeOnDiskStayApart) {
  {
    absl::StatusOr<ExitLedger> ledger = ExitLedger::Open(dir_);
    ASSERT_TRUE(ledger.ok());
    ASSERT_TRUE(ledger->Add(Exit("a/b", 1)).ok());
    ASSERT_TRUE(ledger->Add(Exit("a%2Fb", 1)).ok());
    ASSERT_TRUE(ledger->Add(Exit("a_b", 1)).ok());
  }
  absl::StatusOr<ExitLedger> again = ExitLedger::Open(dir_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->size(), 3u);
}

TEST_F(ExitLedgerTest, UnreadableAndHalfWrittenFilesAreDropped) {
  std::filesystem::create_directories(dir_);
  std::ofstream(dir_ + "/x.1.exit") << "\xff\xff not a proto";
  std::ofstream(dir_ + "/y.1.exit.tmp") << "partial";
  std::ofstream(dir_ + "/unrelated.txt") << "left alone";
  absl::StatusOr<ExitLedger> ledger = ExitLedger::Open(dir_);
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  EXPECT_EQ(ledger->size(), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/x.1.exit"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/y.1.exit.tmp"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/unrelated.txt"));
}

TEST_F(ExitLedgerTest, OpenRejectsAnEmptyDirectory) {
  EXPECT_EQ(ExitLedger::Open("").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace manychip::internal
