#include "client/heapload/scenario_program.h"

#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "client/grpc_status_conversion.h"
#include "client/scenario/interpreter.h"

namespace heapd::heapload {
namespace {

using scenario::ExprKind;
using scenario::HeapReply;
using scenario::HeapRequest;
using scenario::HeapResponse;
using scenario::Statement;
using scenario::StatementKind;

// --- CheckScenarioForLoad ---------------------------------------------------

bool ReadsStats(const scenario::Expr& expr) {
  if (expr.kind == ExprKind::kStatsPath) return true;
  for (const scenario::Expr& child : expr.children) {
    if (ReadsStats(child)) return true;
  }
  return false;
}

// How a statement begins, at the top of a pass (no names bound yet).
enum class Opening {
  kSendsFirst,  // sends an RPC before anything in it can fail
  kNothing,     // does nothing that can fail and sends nothing
  kMayFail,     // may fail, or needs names, before sending anything
};

Opening OpeningOf(const Statement& s) {
  switch (s.kind) {
    case StatementKind::kAllocate:
      return s.finalizer == scenario::FinalizerKind::kResurrectInto
                 ? Opening::kMayFail
                 : Opening::kSendsFirst;
    case StatementKind::kCollect:
    case StatementKind::kGcThreshold:
    case StatementKind::kGcEnable:
    case StatementKind::kGcDisable:
    case StatementKind::kGcFreeze:
    case StatementKind::kGcUnfreeze:
    case StatementKind::kGcDebug:
      return Opening::kSendsFirst;
    case StatementKind::kBind:
      // The interpreter asks for Stats before it evaluates anything.
      if (ReadsStats(*s.expr)) return Opening::kSendsFirst;
      return s.expr->kind == ExprKind::kInteger ? Opening::kNothing
                                                : Opening::kMayFail;
    case StatementKind::kExpect:
      return ReadsStats(*s.lhs) || (s.rhs.has_value() && ReadsStats(*s.rhs))
                 ? Opening::kSendsFirst
                 : Opening::kMayFail;
    case StatementKind::kPrint: {
      bool literal = true;
      for (const scenario::PrintItem& item : s.print) {
        if (!item.expr.has_value()) continue;
        if (ReadsStats(*item.expr)) return Opening::kSendsFirst;
        literal = false;
      }
      return literal ? Opening::kNothing : Opening::kMayFail;
    }
    case StatementKind::kRepeat:
      if (s.count <= 0) return Opening::kNothing;
      for (const Statement& inner : s.body) {
        const Opening opening = OpeningOf(inner);
        if (opening != Opening::kNothing) return opening;
      }
      return Opening::kNothing;
    default:
      return Opening::kMayFail;
  }
}

// --- ScenarioProgram --------------------------------------------------------

// Starts the request's RPC with the generated stub's callback API, its
// response in `*response`.
struct AsyncStarter {
  v1::Heap::StubInterface::async_interface* calls;
  grpc::ClientContext* context;
  HeapResponse* response;
  std::function<void(grpc::Status)> done;

  template <typename Response>
  Response* Into() {
    return &response->emplace<Response>();
  }
  void operator()(const v1::AllocateRequest& r) {
    calls->Allocate(context, &r, Into<v1::AllocateResponse>(), std::move(done));
  }
  void operator()(const v1::IncRefRequest& r) {
    calls->IncRef(context, &r, Into<v1::IncRefResponse>(), std::move(done));
  }
  void operator()(const v1::DecRefRequest& r) {
    calls->DecRef(context, &r, Into<v1::DecRefResponse>(), std::move(done));
  }
  void operator()(const v1::LinkRequest& r) {
    calls->Link(context, &r, Into<v1::LinkResponse>(), std::move(done));
  }
  void operator()(const v1::UnlinkRequest& r) {
    calls->Unlink(context, &r, Into<v1::UnlinkResponse>(), std::move(done));
  }
  void operator()(const v1::InspectRequest& r) {
    calls->Inspect(context, &r, Into<v1::InspectResponse>(), std::move(done));
  }
  void operator()(const v1::CollectRequest& r) {
    calls->Collect(context, &r, Into<v1::CollectResponse>(), std::move(done));
  }
  void operator()(const v1::SetGcConfigRequest& r) {
    calls->SetGcConfig(context, &r, Into<v1::GcConfig>(), std::move(done));
  }
  void operator()(const v1::FreezeRequest& r) {
    calls->Freeze(context, &r, Into<v1::FreezeResponse>(), std::move(done));
  }
  void operator()(const v1::UnfreezeRequest& r) {
    calls->Unfreeze(context, &r, Into<v1::UnfreezeResponse>(), std::move(done));
  }
  void operator()(const v1::StatsRequest& r) {
    calls->Stats(context, &r, Into<v1::StatsResponse>(), std::move(done));
  }
};

// Tallies what the interpreter reports; prints nothing.
class TallyListener final : public scenario::Listener {
 public:
  explicit TallyListener(ScenarioTally* tally) : tally_(tally) {}

  void ExpectationPassed(const Statement&) override {
    tally_->ExpectationPassed();
  }
  void ExpectationFailed(const std::string& message) override {
    tally_->ExpectationFailed(message);
  }
  void Stopped(const absl::Status& error) override {
    tally_->IterationAbandoned(std::string(error.message()));
  }

 private:
  ScenarioTally* tally_;
};

class ScenarioProgram final : public CallProgram {
 public:
  explicit ScenarioProgram(const ProgramSettings& settings)
      : scenario_(settings.scenario),
        tally_(settings.scenario_tally),
        session_id_(settings.session_id),
        interpreter_(*scenario_),
        listener_(tally_.get()) {}

  void StartNext(v1::Heap::Stub* stub, grpc::ClientContext* context,
                 CallDone done) override {
    if (!next_.has_value()) Advance();
    request_ = *std::move(next_);
    next_.reset();
    scenario::NameSession(session_id_, &request_);
    std::visit(AsyncStarter{stub->async(), context, &response_,
                            [this, done = std::move(done)](grpc::Status s) {
                              AwaitCallStart();
                              Finish(s, done);
                            }},
               request_);
  }

  // Between passes, no object half made.
  bool AtUnitBoundary() const override { return boundary_; }

 private:
  // The reply is in: the interpreter acts on it and runs on to its next
  // request (so the statement's expectations are counted now, not at the
  // next call, which the end of the run may never start); then the runner
  // hears of the call.
  void Finish(const grpc::Status& status, const CallDone& done) {
    const bool is_inspect =
        std::holds_alternative<v1::InspectRequest>(request_);
    const bool is_stats = std::holds_alternative<v1::StatsRequest>(request_);
    // NOT_FOUND from Inspect is how `freed(x)` reads: an answer.
    const bool answered =
        status.ok() ||
        (is_inspect && status.error_code() == grpc::StatusCode::NOT_FOUND);
    interpreter_.OnReply(status.ok()
                             ? HeapReply(std::move(response_))
                             : HeapReply(client::FromGrpcStatus(status)));
    Advance();
    done(answered ? grpc::Status::OK : status, answered && !is_stats ? 1 : 0);
  }

  // Runs the interpreter to its next request, through the end of a pass,
  // its cleanup and the restart when they come.
  void Advance() {
    boundary_ = false;
    // CheckScenarioForLoad makes every pass send a request, so this ends at
    // the latest on the first statement of the next pass; the bound only
    // keeps a broken promise from spinning on a gRPC thread.
    for (int restarts = 0; restarts < 2;) {
      next_ = interpreter_.Next(listener_);
      if (next_.has_value()) return;
      if (interpreter_.cleaning()) {
        interpreter_.Restart();
        boundary_ = true;
        ++restarts;
        continue;
      }
      // Abandoned passes were counted by the listener (Stopped).
      if (interpreter_.result().error.ok()) tally_->IterationCompleted();
      interpreter_.BeginCleanup();
    }
    tally_->IterationAbandoned(absl::StrCat(
        scenario_->filename, ": a whole pass sent no RPC; sending Stats"));
    next_ = v1::StatsRequest();
  }

  const std::shared_ptr<const scenario::Scenario> scenario_;
  const std::shared_ptr<ScenarioTally> tally_;
  const std::string session_id_;
  scenario::Interpreter interpreter_;
  TallyListener listener_;
  std::optional<HeapRequest> next_;
  // The call in flight.
  HeapRequest request_;
  HeapResponse response_;
  bool boundary_ = true;
};

void Keep(const std::string& message, std::vector<std::string>* kept) {
  if (kept->size() < kScenarioMessagesKept) kept->push_back(message);
}

}  // namespace

void ScenarioTally::IterationAbandoned(const std::string& error) {
  iterations_abandoned_.fetch_add(1);
  std::lock_guard<std::mutex> lock(mu_);
  Keep(error, &first_errors_);
}

void ScenarioTally::ExpectationFailed(const std::string& message) {
  expectations_failed_.fetch_add(1);
  std::lock_guard<std::mutex> lock(mu_);
  Keep(message, &first_failures_);
}

ScenarioSummary ScenarioTally::Summary(const std::string& file) const {
  ScenarioSummary summary;
  summary.file = file;
  summary.iterations_completed = iterations_completed_.load();
  summary.iterations_abandoned = iterations_abandoned_.load();
  summary.expectations_passed = expectations_passed_.load();
  summary.expectations_failed = expectations_failed_.load();
  std::lock_guard<std::mutex> lock(mu_);
  summary.first_failures = first_failures_;
  summary.first_errors = first_errors_;
  return summary;
}

absl::StatusOr<std::shared_ptr<const scenario::Scenario>> LoadScenarioFile(
    const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot open the file"));
  }
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot read the file"));
  }
  absl::StatusOr<scenario::Scenario> parsed =
      scenario::ParseScenario(text.str(), path);
  if (!parsed.ok()) return parsed.status();
  if (absl::Status s = CheckScenarioForLoad(*parsed); !s.ok()) return s;
  return std::make_shared<const scenario::Scenario>(*std::move(parsed));
}

absl::Status CheckScenarioForLoad(const scenario::Scenario& scenario) {
  for (const Statement& s : scenario.statements) {
    switch (OpeningOf(s)) {
      case Opening::kNothing:
        continue;
      case Opening::kSendsFirst:
        return absl::OkStatus();
      case Opening::kMayFail:
        return absl::InvalidArgumentError(absl::StrCat(
            scenario.filename, ":", s.line,
            ": heapload starts each pass as soon as the last ends, so a pass "
            "must send an RPC before anything in it can fail: begin with an "
            "allocation, a collect, a gc.* statement or a statement that "
            "reads stats, not `",
            s.source, "`"));
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      scenario.filename,
      ": the scenario sends no RPC, so heapload has nothing to send"));
}

std::unique_ptr<CallProgram> NewScenarioProgram(
    const ProgramSettings& settings) {
  return std::make_unique<ScenarioProgram>(settings);
}

}  // namespace heapd::heapload
