#include "jobs/logins/logins_job.h"

#include <csignal>
#include <thread>
#include <unordered_set>

#include "core/log.h"
#include "jobs/logins/login_record.h"

namespace sluice::logins {
namespace {

std::atomic<MessageSource*> g_signal_target{nullptr};
std::atomic<bool> g_signalled{false};

void OnSignal(int) {
  g_signalled = true;
}

// Signal handlers may only touch lock-free atomics; this thread does the rest.
void WatchSignals() {
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (g_signalled.exchange(false)) {
      if (MessageSource* s = g_signal_target.load()) {
        LogInfo("signal received: finishing the batch in hand, then exiting");
        s->Stop();
      }
    }
  }
}

constexpr int kWriteAttempts = 5;

}  // namespace

void StopOnSignals(MessageSource* source) {
  g_signal_target = source;
  static bool installed = [] {
    struct sigaction sa {};
    sa.sa_handler = &OnSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::thread(WatchSignals).detach();
    return true;
  }();
  (void)installed;
}

Result<LoginsRunStats> RunLogins(MessageSource& source, LoginsSink& sink,
                                 const MaskKeyring& keyring, MaskMode mode,
                                 const LoginsRunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  auto pruned = sink.PruneLedger(options.ledger_days);
  if (!pruned.ok()) return pruned.status();
  if (*pruned > 0)
    LogInfo("pruned {} ledger entries older than {} days", *pruned, options.ledger_days);

  Masker field_masker(keyring, mode);
  Masker body_masker(keyring, MaskMode::kSiv);
  LoginTransformer transformer(field_masker, body_masker);
  Batch rows(LoginRowSchema());
  Batch rejects(LoginRejectSchema());
  LoginsRunStats stats;
  std::unordered_set<std::string_view> seen;
  std::string reason;
  auto last_report = std::chrono::steady_clock::now();

  for (;;) {
    std::vector<InboundMessage> batch = source.NextBatch(options.batch_size, options.linger);
    if (batch.empty()) {
      if (source.Finished()) break;
      continue;
    }
    rows.Clear();
    rejects.Clear();
    seen.clear();
    for (const auto& m : batch) {
      // The same message twice in one batch (a redelivery racing its first copy) is stored once.
      if (!seen.insert(m.id).second) continue;
      if (!transformer.Append(m.id, m.body, m.sent_timestamp_ms, &rows, &reason)) {
        Status st = transformer.AppendReject(m.id, m.received_at_micros, reason, m.body, &rejects);
        if (!st.ok()) return st.WithContext("encrypting a rejected message");
      }
    }
    // A database hiccup is retried; the messages stay in hand (their visibility is extended)
    // until the batch commits or the run gives up without acknowledging them.
    Result<BatchOutcome> outcome = Internal("not written");
    for (int attempt = 1; attempt <= kWriteAttempts; ++attempt) {
      outcome = sink.Write(rows, rejects);
      if (outcome.ok() || attempt == kWriteAttempts) break;
      LogWarn("writing a batch failed (attempt {} of {}): {}", attempt, kWriteAttempts,
              outcome.status().message());
      std::this_thread::sleep_for(std::chrono::milliseconds(200 << attempt));
    }
    if (!outcome.ok()) {
      source.Stop();
      (void)source.Close();
      return outcome.status();
    }
    stats.messages += batch.size();
    stats.stored += outcome->stored;
    stats.rejected += outcome->rejected;
    stats.duplicates += batch.size() - outcome->stored - outcome->rejected;
    ++stats.batches;
    source.Acknowledge(std::move(batch));

    auto now = std::chrono::steady_clock::now();
    if (now - last_report > std::chrono::seconds(10)) {
      last_report = now;
      LogInfo("{} messages: {} stored, {} rejected, {} already stored", stats.messages,
              stats.stored, stats.rejected, stats.duplicates);
    }
  }
  Status closed = source.Close();
  if (!closed.ok()) return closed;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace sluice::logins
