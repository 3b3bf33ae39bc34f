// manychipd's status listener end to end: a real Prometheus (Debian
// `prometheus`) scrapes a running daemon with agents and jobs, and a PromQL
// query returns the allocation ListNodes reports; Debian `chromium`, headless,
// renders the dashboard and the test reads what a person would see.
// Both tools are required: CI installs them (scripts/bootstrap.sh), and a
// missing one fails the test with the package to install.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"
#include "tests/testing/http_client.h"

namespace manychip::testing {
namespace {

// The executable `name` on PATH, or "".
std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path == nullptr ? "/usr/bin" : path, ':')) {
    const std::string candidate = absl::StrCat(dir, "/", name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// A loopback port free right now (the kernel's pick for port 0).
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

std::string RunCapture(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  pclose(f);
  return out;
}

int64_t ListNodesAllocated(Cluster& c) {
  auto stub = c.Client();
  grpc::ClientContext ctx;
  v1::ListNodesResponse resp;
  if (!stub->ListNodes(&ctx, v1::ListNodesRequest(), &resp).ok()) return -1;
  int64_t sum = 0;
  for (const v1::NodeStatus& n : resp.nodes()) sum += n.allocated_milli_devices();
  return sum;
}

// Starts the daemon with its status listener and two ready nodes, gpu-1
// (8 x H20, x86_64) and npu-1 (8 x Ascend 910B, aarch64). Returns the
// listener's port, 0 on failure.
int StartClusterWithHttp(Cluster& c) {
  if (!c.StartDaemon({"--http_listen=127.0.0.1:0", "--http_port_file=" + c.File("http_port")})) {
    return 0;
  }
  int port = 0;
  WaitFor(
      [&] {
        std::ifstream in(c.File("http_port"));
        return static_cast<bool>(in >> port);
      },
      absl::Seconds(5));
  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"));
  c.StartAgent("npu-1", Src("examples/inventories/arm-ascend-910b.json"));
  return c.WaitNodes(2, absl::Seconds(15)) ? port : 0;
}

std::string SubmitOk(Cluster& c, const std::string& name, const std::string& json) {
  CtlResult r = c.Ctl({"submit", c.JobFile(name, json)});
  EXPECT_EQ(r.code, 0) << r.out;
  std::string id = r.out;
  while (!id.empty() && id.back() == '\n') id.pop_back();
  return id;
}

// The value of an instant query's only sample, or nullopt while there is none.
std::optional<double> PromQuery(int port, const std::string& promql) {
  std::string encoded;
  for (unsigned char ch : promql) {
    if (std::isalnum(ch) || ch == '_') {
      encoded += static_cast<char>(ch);
    } else {
      encoded += absl::StrFormat("%%%02X", ch);
    }
  }
  HttpResult r = HttpGet(port, "/api/v1/query?query=" + encoded);
  if (r.status != 200) return std::nullopt;
  google::protobuf::Struct doc;
  if (!codec::ParseJson(r.body, "prometheus answer", &doc).ok()) return std::nullopt;
  const auto& result = doc.fields().at("data").struct_value().fields().at("result").list_value();
  if (result.values_size() != 1) return std::nullopt;
  const auto& value = result.values(0).struct_value().fields().at("value").list_value();
  double v = 0;
  if (value.values_size() != 2 || !absl::SimpleAtod(value.values(1).string_value(), &v)) {
    return std::nullopt;
  }
  return v;
}

TEST(OperationsTest, PrometheusScrapesTheDaemonAndPromQlReturnsTheAllocation) {
  const std::string prometheus = FindOnPath("prometheus");
  ASSERT_FALSE(prometheus.empty())
      << "this test needs a Prometheus server: apt-get install prometheus (scripts/bootstrap.sh)";
  Cluster c;
  const int http_port = StartClusterWithHttp(c);
  ASSERT_GT(http_port, 0) << c.Logs();
  const std::string id = SubmitOk(c, "job.json", ShellJob("team-a", 1, 3, "sleep 120"));
  ASSERT_TRUE(c.WaitPhase(id, v1::RUNNING, absl::Seconds(15))) << c.Logs();
  const int64_t allocated = ListNodesAllocated(c);
  ASSERT_EQ(allocated, 3000);

  // The listener's own pages.
  EXPECT_EQ(HttpGet(http_port, "/healthz").status, 200);
  EXPECT_EQ(HttpGet(http_port, "/readyz").status, 200);
  HttpResult metrics = HttpGet(http_port, "/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.error;
  EXPECT_TRUE(absl::StartsWith(metrics.content_type, "text/plain; version=0.0.4"));
  EXPECT_TRUE(
      absl::StrContains(metrics.body, "manychip_node_allocated_milli_devices{node=\"gpu-1\"} 3000"))
      << metrics.body;

  // A real Prometheus scraping the daemon every second.
  const int prom_port = FreePort();
  ASSERT_GT(prom_port, 0);
  std::filesystem::create_directories(c.File("prometheus-data"));
  std::ofstream(c.File("prometheus.yml")) << absl::StrCat(
      "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
      "scrape_configs:\n  - job_name: manychipd\n    static_configs:\n"
      "      - targets: ['127.0.0.1:",
      http_port, "']\n");
  Process prom({prometheus, "--config.file=" + c.File("prometheus.yml"),
                "--storage.tsdb.path=" + c.File("prometheus-data"),
                absl::StrCat("--web.listen-address=127.0.0.1:", prom_port)},
               c.File("prometheus.log"));
  std::optional<double> seen;
  const bool scraped = WaitFor(
      [&] {
        seen = PromQuery(prom_port, "sum(manychip_devices_allocated_milli{job=\"manychipd\"})");
        return (seen.has_value() && *seen == allocated) || !prom.running();
      },
      absl::Seconds(60));
  ASSERT_TRUE(scraped && prom.running())
      << "no allocation from Prometheus; last " << (seen ? absl::StrCat(*seen) : "none") << "\n"
      << Slurp(c.File("prometheus.log")) << c.Logs();
  EXPECT_EQ(*seen, static_cast<double>(allocated));
  // By vendor, model and arch, in cards and H20-equivalents (H20 is the reference card).
  EXPECT_EQ(PromQuery(prom_port,
                      "manychip_devices_allocated_milli{vendor=\"nvidia\","
                      "model=\"nvidia-h20\",arch=\"x86_64\"}"),
            3000.0);
  EXPECT_EQ(PromQuery(prom_port, "manychip_h20e_allocated_milli{model=\"nvidia-h20\"}"), 3000.0);
  EXPECT_EQ(PromQuery(prom_port, "sum(manychip_devices_capacity_milli)"), 16000.0);
  EXPECT_EQ(PromQuery(prom_port, "manychip_node_allocated_milli_devices{node=\"gpu-1\"}"), 3000.0);
  EXPECT_EQ(PromQuery(prom_port, "manychip_agent_sessions"), 2.0);
  const auto scheduled =
      PromQuery(prom_port, "sum(scheduler_schedule_attempts_total{result=\"scheduled\"})");
  ASSERT_TRUE(scheduled.has_value());
  EXPECT_GE(*scheduled, 1.0);
}

// Reads the text of the element with `id` out of a dumped DOM.
std::string ElementText(const std::string& dom, const std::string& id) {
  const std::string open = absl::StrCat("id=\"", id, "\">");
  const size_t at = dom.find(open);
  if (at == std::string::npos) return "";
  const size_t start = at + open.size();
  return dom.substr(start, dom.find('<', start) - start);
}

class Browser {
 public:
  Browser(std::string chromium, std::string profile_dir)
      : chromium_(std::move(chromium)), profile_dir_(std::move(profile_dir)) {}
  // The DOM after the page ran for a few (virtual) seconds of polling.
  std::string Dom(const std::string& url) const {
    return RunCapture(absl::StrCat(Flags(), " --dump-dom '", url, "' 2>/dev/null"));
  }
  bool Screenshot(const std::string& url, const std::string& png) const {
    RunCapture(
        absl::StrCat(Flags(), " --window-size=1400,1000 --screenshot=", png, " '", url, "' 2>&1"));
    std::ifstream in(png, std::ios::binary);
    char magic[4] = {};
    in.read(magic, 4);
    return in && magic[1] == 'P' && magic[2] == 'N' && magic[3] == 'G';
  }

 private:
  std::string Flags() const {
    return absl::StrCat(chromium_,
                        " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage"
                        " --no-first-run --user-data-dir=",
                        profile_dir_, " --virtual-time-budget=4000");
  }
  std::string chromium_;
  std::string profile_dir_;
};

TEST(OperationsTest, DashboardInHeadlessChromiumShowsNodesPendingReasonAndLiveNumbers) {
  const std::string chromium = FindOnPath("chromium");
  ASSERT_FALSE(chromium.empty())
      << "this test needs a browser: apt-get install chromium (scripts/bootstrap.sh)";
  Cluster c;
  const int http_port = StartClusterWithHttp(c);
  ASSERT_GT(http_port, 0) << c.Logs();
  // No node has Kunlun cards: this job stays pending, and explain says why.
  const std::string pending =
      SubmitOk(c, "pending.json", ShellJob("team-b", 1, 1, "true", "kunlun-p800"));
  ASSERT_TRUE(WaitFor(
      [&] {
        auto j = c.GetJob(pending);
        return j.ok() && !j->message().empty();
      },
      absl::Seconds(10)))
      << c.Logs();

  const std::string url = absl::StrCat("http://127.0.0.1:", http_port, "/");
  Browser browser(chromium, c.File("chromium-profile"));
  const std::string before = browser.Dom(url);
  ASSERT_TRUE(absl::StrContains(before, "node-name\">gpu-1<")) << before;
  EXPECT_TRUE(absl::StrContains(before, "node-name\">npu-1<")) << before;
  EXPECT_TRUE(absl::StrContains(before, pending)) << before;
  EXPECT_TRUE(absl::StrContains(before, "MODEL_NOT_ACCEPTED")) << before;
  EXPECT_TRUE(absl::StrContains(before, "model not accepted")) << before;  // the explain text
  EXPECT_EQ(ElementText(before, "nodes-ready"), "2");
  EXPECT_EQ(ElementText(before, "cards-total"), "16");
  EXPECT_EQ(ElementText(before, "cards-allocated"), "0");
  EXPECT_EQ(ElementText(before, "jobs-running"), "0");

  const std::string running = SubmitOk(c, "run.json", ShellJob("team-a", 1, 2, "sleep 120"));
  ASSERT_TRUE(c.WaitPhase(running, v1::RUNNING, absl::Seconds(15))) << c.Logs();
  const std::string after = browser.Dom(url);
  EXPECT_EQ(ElementText(after, "cards-allocated"), "2") << after;
  EXPECT_EQ(ElementText(after, "jobs-running"), "1") << after;
  EXPECT_TRUE(absl::StrContains(after, "gpu-1[")) << "placement column\n" << after;

  // The screenshot stays in the build tree as the test's artifact.
  const std::string dir = absl::StrCat(MANYCHIP_BINARY_DIR, "/test-artifacts");
  std::filesystem::create_directories(dir);
  const std::string png = dir + "/dashboard.png";
  std::filesystem::remove(png);
  EXPECT_TRUE(browser.Screenshot(url, png)) << "no screenshot at " << png;
  std::printf("dashboard screenshot: %s\n", png.c_str());
}

}  // namespace
}  // namespace manychip::testing
