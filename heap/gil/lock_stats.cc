#include "heap/gil/lock_stats.h"

#include <memory>

namespace heapd::gil {

LockStats::LockStats() { RegisterKind("other", /*time_every_hold=*/false); }

int LockStats::RegisterKind(absl::string_view name, bool time_every_hold) {
  std::lock_guard<std::mutex> guard(registry_mu_);
  const int n = num_kinds_.load(std::memory_order_relaxed);
  for (int id = 0; id < n; ++id) {
    if (kinds_[id]->name == name) return id;
  }
  if (n == kMaxRequestKinds) return -1;
  kinds_[n] = std::make_unique<RequestKindCounters>(name, time_every_hold);
  num_kinds_.store(n + 1, std::memory_order_release);
  return n;
}

void LockStats::Snapshot(double ns_per_tick, LockStatsSnapshot* out) const {
  // The totals are the sums of the kinds, merged here rather than kept on
  // the hot path.
  auto wait = std::make_unique<LatencyHistogram>();
  auto hold = std::make_unique<LatencyHistogram>();
  const int n = num_kinds();
  out->kinds.clear();
  out->kinds.reserve(n);
  out->acquisitions = 0;
  out->contended = 0;
  for (int id = 0; id < n; ++id) {
    const RequestKindCounters& k = kind(id);
    RequestKindStats row;
    row.name = k.name;
    row.acquisitions = k.acquisitions.load(std::memory_order_relaxed);
    row.contended = k.contended.load(std::memory_order_relaxed);
    row.wait = k.wait.Summarize(ns_per_tick);
    row.hold = k.hold.Summarize(ns_per_tick);
    row.handoffs = k.handoffs.load(std::memory_order_relaxed);
    row.drop_requests = k.drop_requests.load(std::memory_order_relaxed);
    row.forced_switches = k.forced_switches.load(std::memory_order_relaxed);
    row.waiters_current = k.waiters_current.load(std::memory_order_relaxed);
    row.waiters_peak = k.waiters_peak.load(std::memory_order_relaxed);
    out->acquisitions += row.acquisitions;
    out->contended += row.contended;
    wait->Add(k.wait);
    hold->Add(k.hold);
    out->kinds.push_back(std::move(row));
  }
  out->wait = wait->Summarize(ns_per_tick);
  out->hold = hold->Summarize(ns_per_tick);
  out->held_ns_total = out->hold.sum;
  out->drop_requests = drop_requests.load(std::memory_order_relaxed);
  out->forced_switches = forced_switches.load(std::memory_order_relaxed);
  out->waiters_current = waiters_current.load(std::memory_order_relaxed);
  out->waiters_peak = waiters_peak.load(std::memory_order_relaxed);
  out->max_bypassed = max_bypassed.load(std::memory_order_relaxed);
  out->drop_response = drop_response.Summarize(ns_per_tick);
}

}  // namespace heapd::gil
