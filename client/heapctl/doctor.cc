#include "client/heapctl/doctor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/units.h"

namespace heapd::heapctl {

using client::Bytes;
using client::Nanos;
using client::Percent;
using client::WithCommas;
namespace {

void CheckFragmentation(const v1::AllocatorStats& a,
                        std::vector<Finding>* findings) {
  if (a.arenas_current() < kFragmentationMinArenas || a.arena_bytes() <= 0) {
    return;
  }
  const double utilization =
      static_cast<double>(a.bytes_in_allocated_blocks()) / a.arena_bytes();
  if (utilization >= kFragmentationMaxUtilization) return;
  int64_t blocks = 0;
  for (const v1::SizeClassStats& row : a.size_classes()) {
    blocks += row.blocks_in_use();
  }
  findings->push_back(Finding{
      "fragmentation",
      absl::StrFormat(
          "%d arenas (%s) hold %s blocks using %s: %s%% of the arena bytes "
          "(below %.0f%%). Many arenas are kept by few blocks; an arena goes "
          "back to the OS only when every block in it is free, so long-lived "
          "objects scattered among short-lived ones pin memory.",
          a.arenas_current(), Bytes(a.arena_bytes()), WithCommas(blocks),
          Bytes(a.bytes_in_allocated_blocks()),
          Percent(a.bytes_in_allocated_blocks(), a.arena_bytes()),
          100 * kFragmentationMaxUtilization)});
}

void CheckThrash(const v1::CollectorStats& c, std::vector<Finding>* findings) {
  if (c.generations_size() == 0) return;
  const v1::GenerationStats& young = c.generations(0);
  if (young.collections() < kThrashMinCollections) return;
  const double per_collection =
      static_cast<double>(young.collected()) / young.collections();
  if (per_collection >= kThrashMaxCollectedPerCollection) return;
  findings->push_back(Finding{
      "collector thrash",
      absl::StrFormat(
          "generation 0 was collected %s times and found %s objects "
          "(%.2f per collection). Those collections cost time and find "
          "nothing: the young objects are alive. Raise threshold0 "
          "(now %d; heapctl gc-config set --threshold0=N) or freeze "
          "long-lived objects (heapctl freeze).",
          WithCommas(young.collections()), WithCommas(young.collected()),
          per_collection, young.threshold())});
}

void CheckConvoy(const v1::LockStats& lock, std::vector<Finding>* findings) {
  if (lock.contended() < kConvoyMinContended) return;
  const int64_t wait = lock.wait().p99_ns();
  const int64_t hold = std::max<int64_t>(lock.hold().p99_ns(), 1);
  if (wait < kConvoyMinWaitP99Ns) return;
  const double ratio = static_cast<double>(wait) / hold;
  if (ratio < kConvoyMinWaitToHoldRatio) return;
  findings->push_back(Finding{
      "lock convoy",
      absl::StrFormat(
          "waits for the interpreter lock reach %s at p99 while holds are %s "
          "at p99 (%.0fx); %s of %s acquisitions waited (%s%%). Requests "
          "queue behind each other: fewer, larger requests (Batch) or fewer "
          "concurrent clients help; compare --lock_policy=fifo.",
          Nanos(wait), Nanos(lock.hold().p99_ns()), ratio,
          WithCommas(lock.contended()), WithCommas(lock.acquisitions()),
          Percent(lock.contended(), lock.acquisitions()))});
}

void CheckOutliers(const v1::StatsResponse& stats,
                   std::vector<Finding>* findings) {
  if (stats.slowlog_size() == 0) return;
  const int64_t p99 = stats.lock().hold().p99_ns();
  const double limit =
      std::max<double>(kOutlierMinHoldToP99Ratio * p99, kOutlierMinHoldNs);
  int outliers = 0;
  const v1::SlowLogEntry* worst = nullptr;
  for (const v1::SlowLogEntry& entry : stats.slowlog()) {
    if (entry.hold_ns() < limit) continue;
    ++outliers;
    if (worst == nullptr || entry.hold_ns() > worst->hold_ns()) worst = &entry;
  }
  if (worst == nullptr) return;
  findings->push_back(Finding{
      "slow-log outliers",
      absl::StrFormat(
          "%d of the %d slow-log entries held the lock over %s, at least 10x "
          "the hold p99 of %s; the longest, %s of %d operation%s (session "
          "%s), held it %s. Everyone else waited meanwhile: split large "
          "requests, or look for a full collection in them.",
          outliers, stats.slowlog_size(), Nanos(static_cast<int64_t>(limit)),
          Nanos(p99), worst->method(), worst->operations(),
          worst->operations() == 1 ? "" : "s",
          worst->session_id().empty() ? "none" : worst->session_id(),
          Nanos(worst->hold_ns()))});
}

void CheckGarbage(const v1::CollectorStats& c, std::vector<Finding>* findings) {
  if (c.garbage() < kGarbageMinObjects) return;
  findings->push_back(Finding{
      "garbage",
      absl::StrFormat(
          "gc.garbage holds %s objects the collector found unreachable but "
          "did not free (SAVEALL is %s). They stay until the flag is "
          "cleared and the server restarts.",
          WithCommas(c.garbage()),
          (c.debug_flags() & v1::GC_DEBUG_SAVEALL) ? "on" : "off")});
}

}  // namespace

std::vector<Finding> Diagnose(const v1::StatsResponse& stats) {
  std::vector<Finding> findings;
  CheckFragmentation(stats.allocator(), &findings);
  CheckThrash(stats.collector(), &findings);
  CheckConvoy(stats.lock(), &findings);
  CheckOutliers(stats, &findings);
  CheckGarbage(stats.collector(), &findings);
  return findings;
}

std::string FormatFindings(const std::vector<Finding>& findings) {
  if (findings.empty()) return "no problems found\n";
  std::string out;
  for (const Finding& finding : findings) {
    absl::StrAppend(&out, out.empty() ? "" : "\n", finding.problem, ": ",
                    finding.explanation, "\n");
  }
  return out;
}

namespace {

int RunDoctor(Context& context, const Command& self) {
  if (!context.args.words.empty()) {
    return UsageError(context, self, "doctor takes no words");
  }
  absl::StatusOr<v1::StatsResponse> stats = context.client.Stats();
  if (!stats.ok()) return RpcError(context, stats.status());
  const std::vector<Finding> findings = Diagnose(*stats);
  if (context.json) {
    // A small JSON of its own: a list of {problem, explanation}.
    std::string out = "{\n  \"findings\": [";
    for (size_t i = 0; i < findings.size(); ++i) {
      auto quote = [](const std::string& text) {
        std::string quoted = "\"";
        for (char ch : text) {
          if (ch == '"' || ch == '\\') quoted += '\\';
          quoted += ch;
        }
        return quoted + "\"";
      };
      absl::StrAppend(&out, i == 0 ? "\n" : ",\n",
                      "    {\"problem\": ", quote(findings[i].problem),
                      ", \"explanation\": ", quote(findings[i].explanation),
                      "}");
    }
    absl::StrAppend(&out, findings.empty() ? "]\n}\n" : "\n  ]\n}\n");
    context.out << out;
  } else {
    context.out << FormatFindings(findings);
  }
  return findings.empty() ? kExitOk : kExitFindings;
}

}  // namespace

Command DoctorCommand() {
  Command command{
      "doctor",
      "doctor",
      "plain-language diagnosis: fragmentation, collector thrash, lock "
      "convoy, slow-log outliers",
      "Reads one Stats snapshot (no lock taken) and explains each problem it\n"
      "finds with the figure that shows it, or says \"no problems found\".\n"
      "Exit code: 0 no problems found, 3 a problem found (with --json too),\n"
      "1 heapd could not be asked.\n",
      {},
      nullptr};
  command.run = [self = command](Context& c) { return RunDoctor(c, self); };
  return command;
}

}  // namespace heapd::heapctl
