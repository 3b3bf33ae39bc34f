#pragma once

// A progress bar on stderr, drawn only when stderr is a terminal and CI is
// not set, so logs and CI output stay clean. Thread-safe: Update may be
// called from several worker threads.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace manychip::sim_app {

class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total);
  ~ProgressBar();
  void Update(int64_t done);
  void Finish();
  bool enabled() const { return enabled_; }

 private:
  std::string label_;
  int64_t total_;
  bool enabled_;
  std::mutex mu_;
  int last_percent_ = -1;
  bool finished_ = false;
};

}  // namespace manychip::sim_app
