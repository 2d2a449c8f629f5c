#include "server/batch_executor.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "server/object_operations.h"

namespace heapd::server {
namespace {

// The handle an ObjectRef names, given the results of the operations before
// operation `current`.
absl::StatusOr<objects::Handle> Resolve(const v1::ObjectRef& ref, int current,
                                        const v1::BatchResponse& done,
                                        const char* what) {
  switch (ref.ref_case()) {
    case v1::ObjectRef::kHandle:
      return ref.handle();
    case v1::ObjectRef::kResult:
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(what, " is unset: give a handle or a result reference"));
  }
  const v1::ResultRef& result = ref.result();
  if (static_cast<int64_t>(result.op()) >= current) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " refers to operation ", result.op(), " from operation ", current,
        ": a result reference must name an earlier operation"));
  }
  if (result.op() >= static_cast<uint32_t>(done.results_size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " refers to operation ", result.op(), ", which did not run"));
  }
  const v1::OperationResult& earlier = done.results(result.op());
  if (earlier.code() != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " refers to operation ", result.op(), ", which failed"));
  }
  if (earlier.result_case() == v1::OperationResult::kGetReferent) {
    if (result.object() != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, " refers to object ", result.object(), " of operation ",
          result.op(), ", a get_referent, which produced one (object 0)"));
    }
    return earlier.get_referent().handle();
  }
  if (earlier.result_case() != v1::OperationResult::kAllocate) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " refers to operation ", result.op(),
        ", which produced no objects (only allocate and get_referent do)"));
  }
  const auto& objects = earlier.allocate().objects();
  if (result.object() >= static_cast<uint32_t>(objects.size())) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " refers to object ", result.object(), " of operation ",
        result.op(), ", which allocated ", objects.size()));
  }
  return objects[result.object()].handle();
}

// Runs operation `index`, filling `out`'s result message.
absl::Status RunOne(objects::ObjectHeap& heap, objects::OwnerId owner,
                    const v1::Operation& op, int index,
                    const v1::BatchResponse& done, int64_t max_allocate_count,
                    v1::OperationResult* out) {
  switch (op.op_case()) {
    case v1::Operation::kAllocate: {
      const v1::BatchAllocate& a = op.allocate();
      return AllocateObjects(heap, owner, a.type(), a.length(), a.count(),
                             a.finalizer(), a.weakref(), max_allocate_count,
                             out->mutable_allocate());
    }
    case v1::Operation::kIncref: {
      absl::StatusOr<objects::Handle> handle =
          Resolve(op.incref().object(), index, done, "incref.object");
      if (!handle.ok()) return handle.status();
      return IncRefObject(heap, owner, *handle, out->mutable_incref());
    }
    case v1::Operation::kDecref: {
      absl::StatusOr<objects::Handle> handle =
          Resolve(op.decref().object(), index, done, "decref.object");
      if (!handle.ok()) return handle.status();
      return DecRefObject(heap, owner, *handle, out->mutable_decref());
    }
    case v1::Operation::kLink: {
      const v1::BatchLink& link = op.link();
      absl::StatusOr<objects::Handle> source =
          Resolve(link.source(), index, done, "link.source");
      if (!source.ok()) return source.status();
      absl::StatusOr<objects::Handle> target =
          Resolve(link.target(), index, done, "link.target");
      if (!target.ok()) return target.status();
      const bool has_field = link.slot_case() == v1::BatchLink::kField;
      std::optional<int64_t> at;
      if (link.slot_case() == v1::BatchLink::kIndex) at = link.index();
      return LinkObjects(
          heap, *source, *target, has_field ? &link.field() : nullptr,
          link.slot_case() == v1::BatchLink::kAppend && link.append(), at,
          out->mutable_link());
    }
    case v1::Operation::kUnlink: {
      const v1::BatchUnlink& unlink = op.unlink();
      absl::StatusOr<objects::Handle> source =
          Resolve(unlink.source(), index, done, "unlink.source");
      if (!source.ok()) return source.status();
      std::optional<objects::Handle> item;
      if (unlink.slot_case() == v1::BatchUnlink::kItem) {
        absl::StatusOr<objects::Handle> resolved =
            Resolve(unlink.item(), index, done, "unlink.item");
        if (!resolved.ok()) return resolved.status();
        item = *resolved;
      }
      const bool has_field = unlink.slot_case() == v1::BatchUnlink::kField;
      std::optional<int64_t> at;
      if (unlink.slot_case() == v1::BatchUnlink::kIndex) at = unlink.index();
      return UnlinkObjects(heap, *source, has_field ? &unlink.field() : nullptr,
                           item, at, out->mutable_unlink());
    }
    case v1::Operation::kGetReferent: {
      const v1::BatchGetReferent& get = op.get_referent();
      absl::StatusOr<objects::Handle> source =
          Resolve(get.source(), index, done, "get_referent.source");
      if (!source.ok()) return source.status();
      const bool has_field = get.slot_case() == v1::BatchGetReferent::kField;
      std::optional<int64_t> at;
      if (get.slot_case() == v1::BatchGetReferent::kIndex) at = get.index();
      return GetReferentObject(heap, owner, *source,
                               has_field ? &get.field() : nullptr, at,
                               out->mutable_get_referent());
    }
    case v1::Operation::kCreateWeakref: {
      absl::StatusOr<objects::Handle> handle = Resolve(
          op.create_weakref().object(), index, done, "create_weakref.object");
      if (!handle.ok()) return handle.status();
      return CreateWeakRefTo(heap, *handle, op.create_weakref().callback(),
                             out->mutable_create_weakref());
    }
    case v1::Operation::kCollect: {
      const v1::BatchCollect& collect = op.collect();
      return CollectGeneration(
          heap,
          collect.has_generation()
              ? std::optional<int32_t>(collect.generation())
              : std::nullopt,
          out->mutable_collect());
    }
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "operation ", index,
          " is unset: give allocate, incref, decref, link, unlink, "
          "get_referent, create_weakref or collect"));
  }
}

}  // namespace

absl::Status CheckBatchSize(const v1::BatchRequest& request,
                            int64_t max_batch) {
  if (request.operations_size() > max_batch) {
    return absl::ResourceExhaustedError(
        absl::StrCat("batch of ", request.operations_size(),
                     " operations is over this server's limit of ", max_batch,
                     " (--max_batch); split it"));
  }
  return absl::OkStatus();
}

absl::Status ExecuteBatch(objects::ObjectHeap& heap, objects::OwnerId owner,
                          const v1::BatchRequest& request,
                          int64_t max_allocate_count,
                          absl::FunctionRef<absl::StatusOr<bool>()> safe_point,
                          v1::BatchResponse* out) {
  const int n = request.operations_size();
  for (int i = 0; i < n; ++i) {
    if (i > 0) {
      absl::StatusOr<bool> yielded = safe_point();
      if (!yielded.ok()) return yielded.status();
      if (*yielded) out->set_lock_yields(out->lock_yields() + 1);
    }
    v1::OperationResult* result = out->add_results();
    result->set_index(static_cast<uint32_t>(i));
    const absl::Status status = RunOne(heap, owner, request.operations(i), i,
                                       *out, max_allocate_count, result);
    if (status.ok()) {
      out->set_succeeded(out->succeeded() + 1);
      continue;
    }
    // A failed operation reports its status and no result message.
    result->clear_result();
    result->set_code(static_cast<int32_t>(status.code()));
    result->set_message(std::string(status.message()));
    out->set_failed(out->failed() + 1);
    if (!request.continue_on_error()) {
      out->set_skipped(n - i - 1);
      break;
    }
  }
  if (request.errors_only()) {
    // Only now: the results were needed for later operations' references.
    auto* results = out->mutable_results();
    results->erase(std::remove_if(results->begin(), results->end(),
                                  [](const v1::OperationResult& result) {
                                    return result.code() == 0;
                                  }),
                   results->end());
  }
  return absl::OkStatus();
}

}  // namespace heapd::server
