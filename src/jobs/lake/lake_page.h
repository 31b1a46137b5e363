// GET /: the lake's status page for people. One self-contained HTML document (inline CSS and
// SVG, no scripts or external assets, so it works offline and under a strict CSP): how fresh
// the data is, how many users, the last builds and what they changed, the current rejects, and
// the users' ages as a bar chart.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "jobs/lake/lake_service.h"
#include "jobs/lake/lake_snapshot.h"

namespace sluice::lake {

struct PageData {
  SnapshotPtr snapshot;             // null before the first good build
  std::vector<BuildRecord> builds;  // oldest first
  UtcDay today = 0;
  std::string today_text;  // "2026-12-01"
  int64_t now_ms = 0;
};

// The page. Every text from the data (keys, reasons, errors) is HTML-escaped.
std::string RenderStatusPage(const PageData& data);

// `text` with &, <, >, " and ' as character references.
std::string HtmlEscape(std::string_view text);

}  // namespace sluice::lake
