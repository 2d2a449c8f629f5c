#include "client/heapload/workloads.h"

#include <mutex>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "client/heapload/scenario_program.h"

namespace heapd::heapload {
namespace {

// The first failed operation of a batch as the call's status, so a batch
// that "succeeded" with failed operations is counted as an error.
grpc::Status BatchStatus(const grpc::Status& status,
                         const v1::BatchResponse& response) {
  if (!status.ok() || response.failed() == 0) return status;
  for (const v1::OperationResult& result : response.results()) {
    if (result.code() != 0) {
      return grpc::Status(static_cast<grpc::StatusCode>(result.code()),
                          result.message());
    }
  }
  return grpc::Status(grpc::StatusCode::UNKNOWN, "batch reported failures");
}

v1::ObjectRef ResultOf(uint32_t op, uint32_t object) {
  v1::ObjectRef ref;
  ref.mutable_result()->set_op(op);
  ref.mutable_result()->set_object(object);
  return ref;
}

v1::ObjectRef Handle(uint64_t handle) {
  v1::ObjectRef ref;
  ref.set_handle(handle);
  return ref;
}

// Sends a prepared BatchRequest and reports its succeeded operations.
void SendBatch(v1::Heap::Stub* stub, grpc::ClientContext* context,
               const v1::BatchRequest* request, v1::BatchResponse* response,
               CallDone done) {
  response->Clear();
  stub->async()->Batch(context, request, response,
                       [response, done = std::move(done)](grpc::Status s) {
                         AwaitCallStart();
                         done(BatchStatus(s, *response),
                              s.ok() ? response->succeeded() : 0);
                       });
}

class PingProgram final : public CallProgram {
 public:
  void StartNext(v1::Heap::Stub* stub, grpc::ClientContext* context,
                 CallDone done) override {
    stub->async()->Ping(context, &request_, &response_,
                        [done = std::move(done)](grpc::Status s) {
                          AwaitCallStart();
                          done(s, 0);
                        });
  }

 private:
  v1::PingRequest request_;
  v1::PingResponse response_;
};

class StatsPollProgram final : public CallProgram {
 public:
  void StartNext(v1::Heap::Stub* stub, grpc::ClientContext* context,
                 CallDone done) override {
    stub->async()->Stats(context, &request_, &response_,
                         [done = std::move(done)](grpc::Status s) {
                           AwaitCallStart();
                           done(s, 0);
                         });
  }

 private:
  v1::StatsRequest request_;  // every section, from the published snapshot
  v1::StatsResponse response_;
};

class AllocFreeProgram final : public CallProgram {
 public:
  explicit AllocFreeProgram(const ProgramSettings& settings)
      : session_id_(settings.session_id) {
    allocate_.set_session_id(session_id_);
    allocate_.set_type(v1::OBJECT);
    decref_.set_session_id(session_id_);
    if (settings.batch > 0) {
      batch_.set_session_id(session_id_);
      batch_.set_errors_only(settings.errors_only);
      const int pairs = (settings.batch + 1) / 2;
      for (int i = 0; i < pairs; ++i) {
        batch_.add_operations()->mutable_allocate()->set_type(v1::OBJECT);
        *batch_.add_operations()->mutable_decref()->mutable_object() =
            ResultOf(static_cast<uint32_t>(2 * i), 0);
      }
    }
  }

  void StartNext(v1::Heap::Stub* stub, grpc::ClientContext* context,
                 CallDone done) override {
    if (batch_.operations_size() > 0) {
      SendBatch(stub, context, &batch_, &batch_response_, std::move(done));
    } else if (handle_ == 0) {
      stub->async()->Allocate(
          context, &allocate_, &allocate_response_,
          [this, done = std::move(done)](grpc::Status s) {
            AwaitCallStart();
            if (s.ok() && allocate_response_.objects_size() > 0) {
              handle_ = allocate_response_.objects(0).handle();
            }
            done(s, s.ok() ? 1 : 0);
          });
    } else {
      decref_.set_handle(handle_);
      // Dropped whatever the outcome: a failed DecRef is not retried.
      handle_ = 0;
      stub->async()->DecRef(context, &decref_, &decref_response_,
                            [done = std::move(done)](grpc::Status s) {
                              AwaitCallStart();
                              done(s, s.ok() ? 1 : 0);
                            });
    }
  }

  bool AtUnitBoundary() const override { return handle_ == 0; }

 private:
  const std::string session_id_;
  uint64_t handle_ = 0;  // allocated, not yet dropped
  v1::AllocateRequest allocate_;
  v1::AllocateResponse allocate_response_;
  v1::DecRefRequest decref_;
  v1::DecRefResponse decref_response_;
  v1::BatchRequest batch_;
  v1::BatchResponse batch_response_;
};

class CyclesProgram final : public CallProgram {
 public:
  explicit CyclesProgram(const ProgramSettings& settings)
      : session_id_(settings.session_id) {
    if (settings.batch > 0) {
      batch_.set_session_id(session_id_);
      const int cycles = (settings.batch + 4) / 5;
      for (int c = 0; c < cycles; ++c) {
        const uint32_t at = static_cast<uint32_t>(batch_.operations_size());
        v1::BatchAllocate* allocate =
            batch_.add_operations()->mutable_allocate();
        allocate->set_type(v1::OBJECT);
        allocate->set_count(2);
        for (uint32_t from : {0u, 1u}) {
          v1::BatchLink* link = batch_.add_operations()->mutable_link();
          *link->mutable_source() = ResultOf(at, from);
          *link->mutable_target() = ResultOf(at, 1 - from);
          link->set_field("ref");
        }
        for (uint32_t which : {0u, 1u}) {
          *batch_.add_operations()->mutable_decref()->mutable_object() =
              ResultOf(at, which);
        }
      }
    }
  }

  void StartNext(v1::Heap::Stub* stub, grpc::ClientContext* context,
                 CallDone done) override {
    if (batch_.operations_size() > 0) {
      SendBatch(stub, context, &batch_, &batch_response_, std::move(done));
      return;
    }
    // Steps: 0 allocate a, b; 1 a.ref = b; 2 b.ref = a; 3 drop a; 4 drop b.
    switch (step_) {
      case 0: {
        allocate_.set_session_id(session_id_);
        allocate_.set_type(v1::OBJECT);
        allocate_.set_count(2);
        stub->async()->Allocate(
            context, &allocate_, &allocate_response_,
            [this, done = std::move(done)](grpc::Status s) {
              AwaitCallStart();
              if (s.ok() && allocate_response_.objects_size() == 2) {
                a_ = allocate_response_.objects(0).handle();
                b_ = allocate_response_.objects(1).handle();
                step_ = 1;
              }
              done(s, s.ok() ? 1 : 0);
            });
        return;
      }
      case 1:
      case 2: {
        link_.set_session_id(session_id_);
        link_.set_source(step_ == 1 ? a_ : b_);
        link_.set_target(step_ == 1 ? b_ : a_);
        link_.set_field("ref");
        stub->async()->Link(context, &link_, &link_response_,
                            [this, done = std::move(done)](grpc::Status s) {
                              AwaitCallStart();
                              // A failed link skips to dropping both.
                              step_ = s.ok() ? step_ + 1 : 3;
                              done(s, s.ok() ? 1 : 0);
                            });
        return;
      }
      default: {
        decref_.set_session_id(session_id_);
        decref_.set_handle(step_ == 3 ? a_ : b_);
        step_ = step_ == 3 ? 4 : 0;
        stub->async()->DecRef(context, &decref_, &decref_response_,
                              [done = std::move(done)](grpc::Status s) {
                                AwaitCallStart();
                                done(s, s.ok() ? 1 : 0);
                              });
        return;
      }
    }
  }

  bool AtUnitBoundary() const override { return step_ == 0; }

 private:
  const std::string session_id_;
  int step_ = 0;
  uint64_t a_ = 0;
  uint64_t b_ = 0;
  v1::AllocateRequest allocate_;
  v1::AllocateResponse allocate_response_;
  v1::LinkRequest link_;
  v1::LinkResponse link_response_;
  v1::DecRefRequest decref_;
  v1::DecRefResponse decref_response_;
  v1::BatchRequest batch_;
  v1::BatchResponse batch_response_;
};

class LinkChurnProgram final : public CallProgram {
 public:
  explicit LinkChurnProgram(const ProgramSettings& settings)
      : session_id_(settings.session_id),
        batch_(settings.batch),
        live_objects_(settings.live_objects < 2 ? 2 : settings.live_objects),
        rng_(settings.seed) {}

  void StartNext(v1::Heap::Stub* stub, grpc::ClientContext* context,
                 CallDone done) override {
    if (objects_.empty()) {
      // Setup, once: the objects this slot relinks for the rest of the run
      // (released by CloseSession).
      allocate_.set_session_id(session_id_);
      allocate_.set_type(v1::OBJECT);
      allocate_.set_count(static_cast<uint32_t>(live_objects_));
      stub->async()->Allocate(context, &allocate_, &allocate_response_,
                              [this, done = std::move(done)](grpc::Status s) {
                                AwaitCallStart();
                                if (s.ok()) {
                                  for (const v1::AllocatedObject& o :
                                       allocate_response_.objects()) {
                                    objects_.push_back(o.handle());
                                  }
                                }
                                done(s, s.ok() ? 1 : 0);
                              });
      return;
    }
    if (batch_ > 0) {
      batch_request_.Clear();
      batch_request_.set_session_id(session_id_);
      for (int i = 0; i < batch_; ++i) {
        v1::BatchLink* link = batch_request_.add_operations()->mutable_link();
        *link->mutable_source() = Handle(Pick());
        *link->mutable_target() = Handle(Pick());
        link->set_field(FieldName());
      }
      SendBatch(stub, context, &batch_request_, &batch_response_,
                std::move(done));
      return;
    }
    link_.set_session_id(session_id_);
    link_.set_source(Pick());
    link_.set_target(Pick());
    link_.set_field(FieldName());
    stub->async()->Link(context, &link_, &link_response_,
                        [done = std::move(done)](grpc::Status s) {
                          AwaitCallStart();
                          done(s, s.ok() ? 1 : 0);
                        });
  }

 private:
  uint64_t Pick() { return objects_[rng_() % objects_.size()]; }
  std::string FieldName() { return absl::StrCat("f", rng_() % 4); }

  const std::string session_id_;
  const int batch_;
  const int live_objects_;
  std::mt19937_64 rng_;
  std::vector<uint64_t> objects_;
  v1::AllocateRequest allocate_;
  v1::AllocateResponse allocate_response_;
  v1::LinkRequest link_;
  v1::LinkResponse link_response_;
  v1::BatchRequest batch_request_;
  v1::BatchResponse batch_response_;
};

// Switches among sub-programs by weight at unit boundaries; each sub-program
// keeps its own state (link-churn's live objects survive a switch).
class MixedProgram final : public CallProgram {
 public:
  explicit MixedProgram(const ProgramSettings& settings) : rng_(settings.seed) {
    for (const MixWeight& entry : settings.mix) {
      if (entry.weight <= 0 || entry.kind == WorkloadKind::kMixed) continue;
      ProgramSettings sub = settings;
      sub.seed = rng_();
      programs_.push_back(NewCallProgram(entry.kind, sub));
      cumulative_.push_back(total_ += entry.weight);
    }
    if (programs_.empty()) {
      programs_.push_back(std::make_unique<PingProgram>());
      cumulative_.push_back(total_ = 1);
    }
  }

  void StartNext(v1::Heap::Stub* stub, grpc::ClientContext* context,
                 CallDone done) override {
    if (programs_[current_]->AtUnitBoundary()) {
      const int draw = static_cast<int>(rng_() % total_);
      current_ = 0;
      while (cumulative_[current_] <= draw) ++current_;
    }
    programs_[current_]->StartNext(stub, context, std::move(done));
  }

  bool AtUnitBoundary() const override {
    return programs_[current_]->AtUnitBoundary();
  }

 private:
  std::mt19937_64 rng_;
  std::vector<std::unique_ptr<CallProgram>> programs_;
  std::vector<int> cumulative_;  // running sums of the weights
  int total_ = 0;
  size_t current_ = 0;
};

}  // namespace

#if defined(__SANITIZE_THREAD__)
namespace {
// One lock for every call start in the process: TSan builds only.
std::mutex& StartMutex() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}
// Whether this thread holds StartMutex (a completion run inline by the
// thread that starts the call must not wait for itself).
thread_local bool holds_start_mutex = false;
}  // namespace

CallStartGuard::CallStartGuard() {
  if (!holds_start_mutex) {
    StartMutex().lock();
    holds_start_mutex = true;
    locked_ = true;
  }
}

CallStartGuard::~CallStartGuard() {
  if (locked_) {
    holds_start_mutex = false;
    StartMutex().unlock();
  }
}

void AwaitCallStart() {
  if (holds_start_mutex) return;
  std::lock_guard<std::mutex> lock(StartMutex());
}
#else
CallStartGuard::CallStartGuard() = default;
CallStartGuard::~CallStartGuard() = default;
void AwaitCallStart() {}
#endif

const char* WorkloadName(WorkloadKind kind) {
  switch (kind) {
    case WorkloadKind::kPing:
      return "ping";
    case WorkloadKind::kAllocFree:
      return "alloc-free";
    case WorkloadKind::kCycles:
      return "cycles";
    case WorkloadKind::kLinkChurn:
      return "link-churn";
    case WorkloadKind::kMixed:
      return "mixed";
    case WorkloadKind::kStatsPoll:
      return "stats-poll";
    case WorkloadKind::kScenario:
      return "scenario";
  }
  return "?";
}

std::optional<WorkloadKind> WorkloadFromName(absl::string_view name) {
  for (WorkloadKind kind : {WorkloadKind::kPing, WorkloadKind::kAllocFree,
                            WorkloadKind::kCycles, WorkloadKind::kLinkChurn,
                            WorkloadKind::kMixed, WorkloadKind::kStatsPoll}) {
    if (name == WorkloadName(kind)) return kind;
  }
  return std::nullopt;
}

bool NeedsSession(WorkloadKind kind) {
  return kind != WorkloadKind::kPing && kind != WorkloadKind::kStatsPoll;
}

std::unique_ptr<CallProgram> NewCallProgram(WorkloadKind kind,
                                            const ProgramSettings& settings) {
  switch (kind) {
    case WorkloadKind::kPing:
      return std::make_unique<PingProgram>();
    case WorkloadKind::kAllocFree:
      return std::make_unique<AllocFreeProgram>(settings);
    case WorkloadKind::kCycles:
      return std::make_unique<CyclesProgram>(settings);
    case WorkloadKind::kLinkChurn:
      return std::make_unique<LinkChurnProgram>(settings);
    case WorkloadKind::kMixed:
      return std::make_unique<MixedProgram>(settings);
    case WorkloadKind::kStatsPoll:
      return std::make_unique<StatsPollProgram>();
    case WorkloadKind::kScenario:
      if (settings.scenario == nullptr || settings.scenario_tally == nullptr) {
        break;  // no file: nothing to run but pings
      }
      return NewScenarioProgram(settings);
  }
  return std::make_unique<PingProgram>();
}

}  // namespace heapd::heapload
