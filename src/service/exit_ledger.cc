#include "src/service/exit_ledger.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "spdlog/spdlog.h"
#include "src/service/task_outcome.h"

namespace manychip::internal {
namespace {

constexpr char kSuffix[] = ".exit";
constexpr char kTempSuffix[] = ".tmp";

absl::Status ErrnoError(const std::string& what, const std::string& path) {
  return absl::InternalError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// Writes `data` to `path` so that a crash leaves the old file or the new
// one, never a part.
absl::Status WriteFileAtomically(const std::string& path, const std::string& data) {
  const std::string tmp = path + kTempSuffix;
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("cannot create", tmp);
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status s = ErrnoError("cannot write", tmp);
      ::close(fd);
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    absl::Status s = ErrnoError("cannot sync", tmp);
    ::close(fd);
    return s;
  }
  if (::close(fd) != 0) return ErrnoError("cannot close", tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoError("cannot rename", tmp);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ExitLedger> ExitLedger::Open(std::string dir) {
  if (dir.empty()) return absl::InvalidArgumentError("dir: must not be empty");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot create ", dir, ": ", ec.message()));
  ExitLedger ledger(dir);
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    files.push_back(entry.path());
  }
  if (ec) return absl::InternalError(absl::StrCat("cannot list ", dir, ": ", ec.message()));
  std::sort(files.begin(), files.end());  // a deterministic order for what is loaded
  for (const std::filesystem::path& path : files) {
    if (path.extension() == kTempSuffix) {
      std::filesystem::remove(path, ec);  // a write that never completed
      continue;
    }
    if (path.extension() != kSuffix) continue;
    std::ifstream in(path, std::ios::binary);
    std::stringstream data;
    data << in.rdbuf();
    v1::TaskEvent ev;
    if (!ev.ParseFromString(data.str()) || !IsTaskOutcome(ev) || ev.task_id().empty()) {
      spdlog::warn("dropping unreadable task outcome {}", path.string());
      std::filesystem::remove(path, ec);
      continue;
    }
    const Key key(ev.task_id(), ev.attempt());
    if (ledger.by_key_.contains(key)) continue;
    const int64_t seq = ledger.next_seq_++;
    ledger.by_seq_[seq] = key;
    ledger.by_key_[key] = {.seq = seq, .event = std::move(ev)};
  }
  return ledger;
}

std::string ExitLedger::FileFor(const Key& key) const {
  // '%' is escaped too, so two task ids never share a file name.
  const std::string name = absl::StrReplaceAll(key.first, {{"%", "%25"}, {"/", "%2F"}});
  return absl::StrCat(dir_, "/", name, ".", key.second, kSuffix);
}

absl::Status ExitLedger::Add(const v1::TaskEvent& ev) {
  if (!IsTaskOutcome(ev)) {
    return absl::InvalidArgumentError(absl::StrCat("event.kind: must be ", kTaskOutcomeKinds,
                                                   ", got ", v1::TaskEventKind_Name(ev.kind())));
  }
  if (ev.task_id().empty()) return absl::InvalidArgumentError("event.task_id: must not be empty");
  const Key key(ev.task_id(), ev.attempt());
  if (auto it = by_key_.find(key); it != by_key_.end()) {
    it->second.event = ev;
  } else {
    while (by_key_.size() >= kMaxOutcomes) {
      const Key& oldest = by_seq_.begin()->second;
      spdlog::warn("more than {} unacknowledged task outcomes: forgetting {} attempt {}",
                   kMaxOutcomes, oldest.first, oldest.second);
      Forget(Key(oldest));
    }
    const int64_t seq = next_seq_++;
    by_seq_[seq] = key;
    by_key_[key] = {.seq = seq, .event = ev};
  }
  if (dir_.empty()) return absl::OkStatus();
  return WriteFileAtomically(FileFor(key), ev.SerializeAsString());
}

bool ExitLedger::Acknowledge(const std::string& task_id, int32_t attempt) {
  const Key key(task_id, attempt);
  if (!by_key_.contains(key)) return false;
  Forget(key);
  return true;
}

void ExitLedger::Forget(const Key& key) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return;
  by_seq_.erase(it->second.seq);
  by_key_.erase(it);
  if (dir_.empty()) return;
  std::error_code ec;
  std::filesystem::remove(FileFor(key), ec);
}

std::vector<v1::TaskEvent> ExitLedger::Outcomes() const {
  std::vector<v1::TaskEvent> out;
  out.reserve(by_seq_.size());
  for (const auto& [seq, key] : by_seq_) out.push_back(by_key_.at(key).event);
  return out;
}

}  // namespace manychip::internal
