#include "manychip/sim/run_report.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "manychip/sim/report.h"
#include "manychip/status.h"
#include "src/sim/json_writer.h"

namespace manychip::sim {
namespace {

using internal::FormatDouble;

std::string SeriesCsv(const std::vector<int64_t>& t,
                      const std::map<std::string, std::vector<double>>& columns) {
  std::string csv = "t_seconds";
  for (const auto& [name, v] : columns) absl::StrAppend(&csv, ",", name);
  csv += "\n";
  for (size_t i = 0; i < t.size(); ++i) {
    absl::StrAppend(&csv, t[i]);
    for (const auto& [name, v] : columns) {
      absl::StrAppend(&csv, ",", i < v.size() ? FormatDouble(v[i], 2) : "");
    }
    csv += "\n";
  }
  return csv;
}

std::vector<Series> Lines(const std::vector<int64_t>& t,
                          const std::map<std::string, std::vector<double>>& columns) {
  std::vector<Series> out;
  for (const auto& [name, v] : columns) {
    Series s{name, {}, v};
    for (int64_t x : t) s.x.push_back(static_cast<double>(x) / 3600.0);
    s.x.resize(s.y.size());
    out.push_back(std::move(s));
  }
  return out;
}

// File-name-safe form of a profile name.
std::string Slug(const std::string& name) {
  std::string s;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    s.push_back(ok ? c : '_');
  }
  return s.empty() ? "profile" : s;
}

}  // namespace

std::string RunsJson(const std::vector<NamedRun>& runs) {
  std::string doc = "{\"runs\":[";
  for (size_t i = 0; i < runs.size(); ++i) {
    std::string name;
    for (char c : runs[i].first) {
      if (c == '"' || c == '\\') {
        name.push_back('\\');
        name.push_back(c);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        name += absl::StrFormat("\\u%04x", static_cast<int>(c));
      } else {
        name.push_back(c);
      }
    }
    std::string result = TraceRunJson(runs[i].second);
    while (!result.empty() && result.back() == '\n') result.pop_back();
    absl::StrAppend(&doc, i == 0 ? "" : ",", "{\"profile\":\"", name, "\",\"result\":", result,
                    "}");
  }
  return doc + "]}\n";
}

std::string RunSummaryTable(const std::vector<NamedRun>& runs) {
  std::string out = absl::StrFormat("%-22s %7s %7s %9s %9s %9s %9s %9s %10s %8s %6s %6s\n",
                                    "profile", "jobs", "done", "queue_s", "jct_mean", "jct_p50",
                                    "jct_p99", "makespan", "slo_pct", "never", "preem", "fover");
  for (const auto& [name, r] : runs) {
    absl::StrAppend(
        &out,
        absl::StrFormat("%-22s %7d %7d %9.1f %9.1f %9.1f %9.1f %9d %10.3f %8d %6d %6d\n", name,
                        r.jobs, r.completed, r.queueing_seconds.mean, r.jct_seconds.mean,
                        r.jct_seconds.p50, r.jct_seconds.p99, r.makespan_seconds,
                        r.slo_attainment_pct, r.never_started, r.preemptions, r.failovers));
  }
  return out;
}

absl::Status WriteRunReport(const std::string& dir, const std::vector<NamedRun>& runs) {
  std::string summary =
      "profile,jobs,started,completed,never_started,queueing_mean_s,queueing_p50_s,"
      "queueing_p99_s,jct_mean_s,jct_p50_s,jct_p99_s,makespan_s,services,"
      "services_meeting_slo,slo_attainment_pct,preemptions,failovers,faults\n";
  std::string vendors = "profile,vendor,cards,mean_alloc_pct,mean_util_pct,work_done\n";
  std::string rows, charts;
  std::vector<std::pair<std::string, double>> jct_bars, slo_bars, alloc_bars, util_bars, work_bars;
  for (const auto& [name, r] : runs) {
    const std::string slug = Slug(name);
    absl::StrAppend(
        &summary, name, ",", r.jobs, ",", r.started, ",", r.completed, ",", r.never_started, ",",
        FormatDouble(r.queueing_seconds.mean, 2), ",", FormatDouble(r.queueing_seconds.p50, 2), ",",
        FormatDouble(r.queueing_seconds.p99, 2), ",", FormatDouble(r.jct_seconds.mean, 2), ",",
        FormatDouble(r.jct_seconds.p50, 2), ",", FormatDouble(r.jct_seconds.p99, 2), ",",
        r.makespan_seconds, ",", r.services, ",", r.services_meeting_slo, ",",
        FormatDouble(r.slo_attainment_pct, 3), ",", r.preemptions, ",", r.failovers, ",", r.faults,
        "\n");
    absl::StrAppend(
        &rows, "<tr><td>", HtmlEscape(name), "</td><td>", r.jobs, "</td><td>", r.completed,
        "</td><td>", FormatDouble(r.queueing_seconds.mean, 1), "</td><td>",
        FormatDouble(r.jct_seconds.mean, 1), "</td><td>", FormatDouble(r.jct_seconds.p50, 1),
        "</td><td>", FormatDouble(r.jct_seconds.p99, 1), "</td><td>", r.makespan_seconds,
        "</td><td>", FormatDouble(r.slo_attainment_pct, 2), "</td><td>", r.never_started,
        "</td><td>", r.preemptions, "</td><td>", r.failovers, "</td></tr>\n");
    jct_bars.emplace_back(name, r.jct_seconds.mean);
    slo_bars.emplace_back(name, r.slo_attainment_pct);
    for (const auto& [vendor, v] : r.by_vendor) {
      absl::StrAppend(&vendors, name, ",", vendor, ",", v.cards, ",",
                      FormatDouble(v.mean_alloc_pct, 2), ",", FormatDouble(v.mean_util_pct, 2), ",",
                      v.work_done, "\n");
      const std::string label = runs.size() > 1 ? absl::StrCat(vendor, " (", name, ")") : vendor;
      alloc_bars.emplace_back(label, v.mean_alloc_pct);
      util_bars.emplace_back(label, v.mean_util_pct);
      work_bars.emplace_back(label, static_cast<double>(v.work_done) / 3600.0);
    }
    MC_RETURN_IF_ERROR(WriteReportFile(dir, slug + "_allocation_by_model.csv",
                                       SeriesCsv(r.sample_seconds, r.alloc_pct_by_model)));
    MC_RETURN_IF_ERROR(WriteReportFile(dir, slug + "_allocation_by_vendor.csv",
                                       SeriesCsv(r.sample_seconds, r.alloc_pct_by_vendor)));
    MC_RETURN_IF_ERROR(WriteReportFile(dir, slug + "_utilization_by_vendor.csv",
                                       SeriesCsv(r.sample_seconds, r.util_pct_by_vendor)));
    absl::StrAppend(&charts, "<h2>", HtmlEscape(name), "</h2>\n",
                    SvgLineChart(absl::StrCat("Allocation over time per vendor: ", name),
                                 "hours since first arrival", "allocated (% of healthy cards)",
                                 Lines(r.sample_seconds, r.alloc_pct_by_vendor)),
                    SvgLineChart(absl::StrCat("Utilization over time per vendor: ", name),
                                 "hours since first arrival", "useful work (% of healthy cards)",
                                 Lines(r.sample_seconds, r.util_pct_by_vendor)),
                    SvgLineChart(absl::StrCat("Allocation over time per model: ", name),
                                 "hours since first arrival", "allocated (% of healthy cards)",
                                 Lines(r.sample_seconds, r.alloc_pct_by_model)));
  }
  MC_RETURN_IF_ERROR(WriteReportFile(dir, "summary.csv", summary));
  MC_RETURN_IF_ERROR(WriteReportFile(dir, "vendors.csv", vendors));
  std::string html =
      "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>manychip-sim run</title>"
      "<style>body{font-family:sans-serif;margin:2em;max-width:60em}"
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;"
      "text-align:right}</style></head><body>\n"
      "<h1>manychip-sim run: time-based replay</h1>\n"
      "<p>Each profile replays the same workload on the same cluster through the scheduler "
      "core. JCT and makespan count training and batch jobs; SLO attainment is the share of "
      "inference requests served within their latency SLO. Utilization weights allocated "
      "cards by the efficiency of the job using them (delivered / peak throughput).</p>\n"
      "<table><tr><th>profile</th><th>jobs</th><th>completed</th><th>queueing mean s</th>"
      "<th>JCT mean s</th><th>JCT p50 s</th><th>JCT p99 s</th><th>makespan s</th>"
      "<th>SLO attainment %</th><th>never started</th><th>preemptions</th>"
      "<th>failovers</th></tr>\n";
  absl::StrAppend(&html, rows, "</table>\n");
  absl::StrAppend(
      &html, SvgBarChart("Mean JCT, seconds (lower is better)", "seconds", jct_bars),
      SvgBarChart("Inference SLO attainment % (higher is better)", "%", slo_bars),
      SvgBarChart("Mean allocation per vendor, %", "% of healthy cards", alloc_bars),
      SvgBarChart("Mean utilization per vendor, %", "% of healthy cards", util_bars),
      SvgBarChart("Training work done per vendor, reference-card hours", "hours", work_bars));
  absl::StrAppend(&html, charts,
                  "<p>Series as CSV: summary.csv, vendors.csv, "
                  "&lt;profile&gt;_allocation_by_model.csv, "
                  "&lt;profile&gt;_allocation_by_vendor.csv, "
                  "&lt;profile&gt;_utilization_by_vendor.csv.</p>\n</body></html>\n");
  return WriteReportFile(dir, "index.html", html);
}

}  // namespace manychip::sim
