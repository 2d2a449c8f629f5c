#include "client/heapctl/json.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace heapd::heapctl {
namespace {

void ClearHistogram(v1::Histogram* histogram) {
  // How many were measured is deterministic; how long they took is not.
  const int64_t count = histogram->count();
  histogram->Clear();
  histogram->set_count(count);
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  const auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  // Printing a valid message cannot fail; say so rather than print nothing.
  if (!status.ok()) {
    return absl::StrCat("{\"error\": \"", status.ToString(), "\"}\n");
  }
  if (json.empty() || json.back() != '\n') json += '\n';
  return json;
}

absl::StatusOr<v1::StatsResponse> StatsFromJson(const std::string& json) {
  v1::StatsResponse stats;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  const auto status =
      google::protobuf::util::JsonStringToMessage(json, &stats, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a StatsResponse in JSON: ", status.ToString()));
  }
  return stats;
}

void RedactStats(v1::StatsResponse* stats) {
  stats->set_timestamp_unix_ns(0);
  stats->set_sequence(0);
  if (stats->has_collector()) {
    v1::CollectorStats* collector = stats->mutable_collector();
    ClearHistogram(collector->mutable_pause());
    for (v1::GenerationStats& generation : *collector->mutable_generations()) {
      if (generation.has_pause()) ClearHistogram(generation.mutable_pause());
    }
    for (v1::CollectionEvent& event : *collector->mutable_recent()) {
      event.set_timestamp_unix_ns(0);
      event.set_duration_ns(0);
    }
  }
  if (stats->has_lock()) {
    v1::LockStats* lock = stats->mutable_lock();
    // Policy, interval and acquisitions (one per locked request) stay.
    const std::string policy = lock->policy();
    const int64_t interval = lock->switch_interval_ns();
    const int64_t acquisitions = lock->acquisitions();
    std::vector<std::pair<std::string, int64_t>> kinds;
    for (const v1::LockKindStats& kind : lock->by_kind()) {
      kinds.push_back({kind.kind(), kind.acquisitions()});
    }
    lock->Clear();
    lock->set_policy(policy);
    lock->set_switch_interval_ns(interval);
    lock->set_acquisitions(acquisitions);
    for (const auto& [name, count] : kinds) {
      v1::LockKindStats* kind = lock->add_by_kind();
      kind->set_kind(name);
      kind->set_acquisitions(count);
    }
  }
  if (stats->has_server()) {
    v1::ServerStats* server = stats->mutable_server();
    server->set_version("*");
    server->set_started_unix_ns(0);
    server->set_uptime_ns(0);
    // Recounted at most once a second: may or may not include a
    // connection that just closed.
    server->set_connections_open(0);
  }
  stats->clear_slowlog();
}

}  // namespace heapd::heapctl
