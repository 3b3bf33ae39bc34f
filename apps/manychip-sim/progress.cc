#include "apps/manychip-sim/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace manychip::sim_app {

ProgressBar::ProgressBar(std::string label, int64_t total)
    : label_(std::move(label)),
      total_(total > 0 ? total : 1),
      enabled_(isatty(STDERR_FILENO) == 1 && std::getenv("CI") == nullptr) {}

ProgressBar::~ProgressBar() { Finish(); }

void ProgressBar::Update(int64_t done) {
  if (!enabled_) return;
  const int percent = static_cast<int>(100 * std::min(done, total_) / total_);
  std::lock_guard<std::mutex> lock(mu_);
  if (percent == last_percent_ || finished_) return;
  last_percent_ = percent;
  constexpr int kWidth = 40;
  const int filled = percent * kWidth / 100;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  std::fprintf(stderr, "\r%-16s [%s] %3d%%", label_.c_str(), bar.c_str(), percent);
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (finished_) return;
  finished_ = true;
  if (last_percent_ >= 0) std::fprintf(stderr, "\n");
}

}  // namespace manychip::sim_app
