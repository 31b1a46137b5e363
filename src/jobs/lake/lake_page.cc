#include "jobs/lake/lake_page.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/text_check.h"

namespace sluice::lake {
namespace {

std::string Ago(int64_t now_ms, int64_t then_ms) {
  int64_t s = std::max<int64_t>(0, (now_ms - then_ms) / 1000);
  if (s < 120) return fmt::format("{} s ago", s);
  if (s < 7200) return fmt::format("{} min ago", s / 60);
  if (s < 172800) return fmt::format("{} h ago", s / 3600);
  return fmt::format("{} days ago", s / 86400);
}

std::string Text(std::string_view text) {
  return HtmlEscape(FindUnstorableByte(text) ? EscapeUnstorable(text) : std::string(text));
}

// Bars of users per age, youngest left; each bar's title says its age and count.
std::string Histogram(const std::vector<AgeBand>& bands) {
  if (bands.empty()) return "<p>No users.</p>";
  const int first = bands.front().age, last = bands.back().age;
  int64_t most = 0;
  for (const AgeBand& b : bands)
    most = std::max(most, b.count);
  const int columns = last - first + 1;
  const double width = 640, height = 160, bar = width / columns;
  std::string svg = fmt::format(
      "<svg id=\"age-histogram\" role=\"img\" aria-label=\"Users by age\" viewBox=\"0 0 {} {}\" "
      "width=\"{}\" height=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">",
      width, height + 20, width, height + 20);
  for (const AgeBand& b : bands) {
    double h = most > 0 ? height * static_cast<double>(b.count) / static_cast<double>(most) : 0;
    double x = (b.age - first) * bar;
    svg += fmt::format(
        "<rect class=\"bar\" data-age=\"{}\" data-count=\"{}\" x=\"{:.2f}\" y=\"{:.2f}\" "
        "width=\"{:.2f}\" height=\"{:.2f}\"><title>age {}: {} users</title></rect>",
        b.age, b.count, x + bar * 0.1, height - h, bar * 0.8, h, b.age, b.count);
  }
  svg += fmt::format(
      "<text x=\"0\" y=\"{}\" font-size=\"12\">{}</text><text x=\"{}\" y=\"{}\" font-size=\"12\" "
      "text-anchor=\"end\">{}</text></svg>",
      height + 16, first, width, height + 16, last);
  svg += fmt::format(
      "<p class=\"caption\">Users by whole-year age today, {} to {}; the tallest bar is {} "
      "user{}.</p>",
      first, last, most, most == 1 ? "" : "s");
  return svg;
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string RenderStatusPage(const PageData& data) {
  std::string html =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<meta http-equiv=\"refresh\" content=\"30\"><title>Sluice lake</title><style>"
      "body{font:15px/1.4 system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;"
      "color:#222}h1{font-size:1.4em}table{border-collapse:collapse;margin:.5em 0}"
      "td,th{border-bottom:1px solid #ddd;padding:.25em .6em;text-align:left}"
      ".ok{color:#161}.failed{color:#a11}.bar{fill:#3a6ea5}dt{font-weight:600}"
      "dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}"
      ".caption{color:#555;font-size:.9em;margin-top:0}"
      "</style></head><body><h1>Sluice lake</h1>";
  const BuildRecord* last = data.builds.empty() ? nullptr : &data.builds.back();
  const BuildRecord* last_good = nullptr;
  for (const BuildRecord& b : data.builds) {
    if (b.status.ok()) last_good = &b;
  }
  html += "<dl>";
  if (data.snapshot) {
    html += fmt::format("<dt>Users</dt><dd id=\"user-count\">{}</dd>", data.snapshot->size());
    AgeStats all = data.snapshot->Stats({}, data.today);
    html += fmt::format("<dt>Average age</dt><dd id=\"average-age\">{}</dd>",
                        all.average_age ? fmt::format("{:.2f}", *all.average_age) : "-");
    AgeStats with_image = data.snapshot->Stats({.has_image = true}, data.today);
    html += fmt::format("<dt>With an image</dt><dd id=\"with-image\">{}</dd>", with_image.count);
    int64_t built = data.snapshot->info().built_at_ms;
    if (built > 0) {
      html += fmt::format("<dt>Data as of</dt><dd id=\"freshness\">{} ({})</dd>", IsoTime(built),
                          Ago(data.now_ms, built));
    }
  } else {
    html += "<dt>Users</dt><dd id=\"user-count\">none yet: no build has succeeded</dd>";
  }
  html += fmt::format("<dt>Ages as of</dt><dd>{} (UTC)</dd>", data.today_text);
  if (last != nullptr) {
    html += fmt::format("<dt>Last build</dt><dd id=\"last-build\" class=\"{}\">{}, {}{}</dd>",
                        last->status.ok() ? "ok" : "failed", Ago(data.now_ms, last->finished_ms),
                        last->status.ok() ? "succeeded" : "failed: ",
                        last->status.ok() ? "" : Text(last->status.message()));
  }
  html += "</dl>";

  html += "<h2>Ages</h2>";
  html += data.snapshot ? Histogram(data.snapshot->AgeBands({}, data.today)) : "<p>No data.</p>";

  html +=
      "<h2>Recent builds</h2><table id=\"builds\"><tr><th>#</th><th>Finished</th><th>Trigger"
      "</th><th>Result</th><th>Added</th><th>Updated</th><th>Removed</th><th>Rejected</th>"
      "<th>Fetched</th><th>Seconds</th></tr>";
  for (auto it = data.builds.rbegin(); it != data.builds.rend(); ++it) {
    const BuildRecord& b = *it;
    const BuildSummary& s = b.summary;
    if (b.status.ok()) {
      html += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"ok\">ok</td><td>{}</td><td>{}</td>"
          "<td>{}</td><td>{}</td><td>{} of {}</td><td>{:.3f}</td></tr>",
          b.number, IsoTime(b.finished_ms), Text(b.trigger), s.added, s.updated, s.removed,
          s.rejects.size(), s.objects_fetched, s.objects_listed, s.total_seconds);
    } else {
      html += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"failed\" colspan=\"7\">failed: {}"
          "</td></tr>",
          b.number, IsoTime(b.finished_ms), Text(b.trigger), Text(b.status.message()));
    }
  }
  html += "</table>";

  html += "<h2>Rejected objects</h2>";
  if (last_good == nullptr || last_good->summary.rejects.empty()) {
    html += "<p id=\"rejects\">None.</p>";
  } else {
    html += "<table id=\"rejects\"><tr><th>Object</th><th>Reason</th></tr>";
    for (const BuildReject& reject : last_good->summary.rejects) {
      html += fmt::format("<tr><td>{}</td><td>{}</td></tr>", Text(reject.key), Text(reject.reason));
    }
    html += "</table>";
  }
  html +=
      "<p>API: <a href=\"data\">GET /data</a> · <a href=\"stats\">GET /stats</a> · "
      "<a href=\"health\">GET /health</a> · <a href=\"metrics\">GET /metrics</a> · "
      "POST /data rebuilds.</p></body></html>";
  return html;
}

}  // namespace sluice::lake
