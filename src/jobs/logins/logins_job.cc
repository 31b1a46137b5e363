#include "jobs/logins/logins_job.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>
#include <unordered_set>

#include "core/log.h"
#include "core/thread_name.h"
#include "jobs/logins/login_record.h"
#include "jobs/logins/logins_table.h"
#include "pipeline/bounded_queue.h"

namespace sluice::logins {
namespace {

std::atomic<MessageSource*> g_signal_target{nullptr};
// Set by the first signal; a source attached after it is stopped at once.
std::atomic<bool> g_stop_requested{false};
// The handler only writes a byte here (write is async-signal-safe); a thread blocked on the
// other end does the rest. It sleeps until a signal comes, so an idle consumer costs nothing.
int g_signal_pipe[2] = {-1, -1};

void OnSignal(int) {
  const int saved_errno = errno;
  const char byte = 1;
  (void)!write(g_signal_pipe[1], &byte, 1);
  errno = saved_errno;
}

void WatchSignals() {
  NameThisThread("signals");
  char byte;
  for (;;) {
    ssize_t n = read(g_signal_pipe[0], &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    g_stop_requested = true;
    if (MessageSource* s = g_signal_target.load()) {
      LogInfo("signal received: finishing the batch in hand, then exiting");
      s->Stop();
    } else {
      LogInfo("signal received while starting: exiting before the first batch");
    }
  }
}

// A batch that failed in a way a retry may cure (kUnavailable: the session lost, a deadlock, a
// serialization failure, a lock timeout, the server short of resources or shutting down) is
// retried with pauses of 0.4, 0.8, 1.6, 3.2 s and then 5 s, about 21 s in all: long enough to
// ride through a PostgreSQL restart or failover (each attempt reopens a session the server
// ended), while the SQS heartbeat keeps the batch's messages hidden. Any other error (a missing
// grant or table, bad data) would fail the same way every time, so it ends the run at once.
constexpr int kWriteAttempts = 8;
constexpr std::chrono::milliseconds kLongestPause{5000};

}  // namespace

void StopOnSignals(MessageSource* source) {
  g_signal_target = source;
  static bool installed = [] {
    if (pipe2(g_signal_pipe, O_CLOEXEC) != 0) {
      LogWarn("cannot watch for SIGTERM/SIGINT: {}", std::strerror(errno));
      return false;
    }
    // A burst of signals must never block the handler on a full pipe.
    fcntl(g_signal_pipe[1], F_SETFL, O_NONBLOCK);
    struct sigaction sa {};
    sa.sa_handler = &OnSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::thread(WatchSignals).detach();
    return true;
  }();
  (void)installed;
  // Both sides store before they load (sequentially consistent), so a signal racing with the
  // attach is seen by at least one of them; Stop() twice is harmless.
  if (source != nullptr && g_stop_requested.load()) source->Stop();
}

Result<LoginsRunStats> RunLogins(MessageSource& source, LoginsSink& sink,
                                 const MaskKeyring& keyring, MaskMode mode,
                                 const LoginsRunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  // An ordered source resumes after its committed checkpoint and never touches the ledger, so
  // its role needs no DELETE there (docs/logins.md lists the grants of each).
  const std::string checkpoint_name = CheckpointNameFor(source.CheckpointName(), sink.tables());
  if (checkpoint_name.empty()) {
    auto pruned = sink.PruneLedger(options.ledger_days);
    if (!pruned.ok()) return pruned.status();
    if (*pruned > 0)
      LogInfo("pruned {} ledger entries older than {} days", *pruned, options.ledger_days);
  }
  Checkpoint checkpoint{checkpoint_name, 0, 0};
  if (!checkpoint_name.empty()) {
    ASSIGN_OR_RETURN(checkpoint.from, sink.ReadCheckpoint(checkpoint_name));
    source.SkipThrough(checkpoint.from);
    if (checkpoint.from > 0) {
      LogInfo(
          "{} resumes after message {} (a line, or an array element), its committed "
          "checkpoint",
          checkpoint_name, checkpoint.from);
    }
  }

  // Two stages, so that preparing one batch overlaps writing the one before: this thread
  // validates and masks, a writer thread stores and then acknowledges, in order.
  struct Prepared {
    Batch rows{LoginRowSchema()};
    Batch rejects{LoginRejectSchema()};
    std::vector<InboundMessage> messages;
  };
  BoundedQueue<Prepared> prepared(1);
  LoginsRunStats stats;
  Status write_error;
  std::thread writer([&] {
    NameThisThread("logins-write");
    auto last_report = std::chrono::steady_clock::now();
    auto last_prune = last_report;
    while (std::optional<Prepared> batch = prepared.Pop()) {
      // A database hiccup is retried; the messages stay in hand (their visibility is
      // extended) until the batch commits or the run gives up without acknowledging them.
      Result<BatchOutcome> outcome = Internal("not written");
      checkpoint.to = batch->messages.back().sequence;
      for (int attempt = 1; attempt <= kWriteAttempts; ++attempt) {
        outcome = sink.Write(batch->rows, batch->rejects,
                             checkpoint_name.empty() ? nullptr : &checkpoint);
        if (outcome.ok()) break;
        // A checkpoint moved by another process will not move back, and a refused grant or a
        // missing table stays so: only what a retry may cure is tried again.
        if (outcome.status().code() != StatusCode::kUnavailable) {
          outcome = outcome.status().WithContext(fmt::format(
              "writing a batch failed on attempt {}, with an error a retry cannot cure", attempt));
          break;
        }
        if (attempt == kWriteAttempts) {
          outcome = outcome.status().WithContext(
              fmt::format("writing a batch failed on attempt {}, the last", attempt));
          break;
        }
        LogWarn("writing a batch failed (attempt {} of {}): {}", attempt, kWriteAttempts,
                outcome.status().message());
        std::this_thread::sleep_for(
            std::min(std::chrono::milliseconds(200 << attempt), kLongestPause));
      }
      if (!outcome.ok()) {
        write_error = outcome.status();
        source.Stop();
        prepared.Close();
        return;
      }
      const size_t n = batch->messages.size();
      stats.messages += n;
      stats.stored += outcome->stored;
      stats.rejected += outcome->rejected;
      stats.duplicates += n - outcome->stored - outcome->rejected;
      ++stats.batches;
      checkpoint.from = checkpoint.to;
      source.Acknowledge(std::move(batch->messages));
      auto now = std::chrono::steady_clock::now();
      // A consumer that runs for weeks keeps its ledger bounded too.
      if (checkpoint_name.empty() && now - last_prune > std::chrono::hours(1)) {
        last_prune = now;
        auto pruned_now = sink.PruneLedger(options.ledger_days);
        if (!pruned_now.ok()) LogWarn("{}", pruned_now.status().message());
      }
      if (now - last_report > std::chrono::seconds(10)) {
        last_report = now;
        LogInfo("{} messages: {} stored, {} rejected, {} already stored", stats.messages,
                stats.stored, stats.rejected, stats.duplicates);
      }
    }
  });

  Masker field_masker(keyring, mode);
  Masker body_masker(keyring, MaskMode::kSiv);
  LoginTransformer transformer(field_masker, body_masker);
  std::unordered_set<std::string_view> seen;
  std::string reason;
  Status prepare_error;
  bool writer_failed = false;
  while (!writer_failed) {
    std::vector<InboundMessage> received = source.NextBatch(options.batch_size, options.linger);
    if (received.empty()) {
      if (source.Finished()) break;
      continue;
    }
    Prepared batch;
    batch.messages.reserve(received.size());  // the seen-set views must not move
    size_t body_bytes = 0;
    seen.clear();
    for (auto& received_message : received) {
      if (!batch.messages.empty() &&
          body_bytes + received_message.body.size() > options.batch_body_bytes) {
        if (!prepare_error.ok()) break;
        // The seen-set views point into this batch's messages: forget them before it moves on.
        seen.clear();
        if (!prepared.Push(std::move(batch))) {
          writer_failed = true;
          break;
        }
        batch = Prepared{};
        batch.messages.reserve(received.size());
        body_bytes = 0;
      }
      body_bytes += received_message.body.size();
      batch.messages.push_back(std::move(received_message));
      const InboundMessage& m = batch.messages.back();
      // The same message twice in one batch (a redelivery racing its first copy) is stored once.
      if (!seen.insert(m.id).second) continue;
      if (!m.unread_reason.empty()) {
        // The source could not hold it (a --file line over its limit): a reject with no body.
        batch.rejects.column(RejectIndex("message_id")).AppendText(m.id);
        batch.rejects.column(RejectIndex("received_at")).AppendInt(m.received_at_micros);
        batch.rejects.column(RejectIndex("reason")).AppendText(m.unread_reason);
        batch.rejects.column(RejectIndex("body_encrypted")).AppendNull();
        continue;
      }
      if (!transformer.Append(m.id, m.body, m.sent_timestamp_ms, &batch.rows, &reason)) {
        Status st =
            transformer.AppendReject(m.id, m.received_at_micros, reason, m.body, &batch.rejects);
        if (!st.ok()) prepare_error = st.WithContext("encrypting a rejected message");
      }
    }
    if (writer_failed) break;
    if (!prepare_error.ok()) {
      source.Stop();
      break;
    }
    seen.clear();
    if (!prepared.Push(std::move(batch))) break;  // the writer failed
  }
  prepared.Close();
  writer.join();
  if (!write_error.ok() || !prepare_error.ok()) {
    (void)source.Close();
    return write_error.ok() ? prepare_error : write_error;
  }
  Status closed = source.Close();
  if (!closed.ok()) return closed;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace sluice::logins
