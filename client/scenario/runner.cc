// The synchronous driver of the scenario interpreter
// (client/scenario/interpreter.h): each request is sent with the blocking
// client library in the scenario's own session, and every statement's
// outcome is printed as it completes.
#include "client/scenario/runner.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/scenario/interpreter.h"
#include "client/session.h"

namespace heapd::scenario {
namespace {

template <typename Response>
HeapReply Reply(absl::StatusOr<Response> response) {
  if (!response.ok()) return response.status();
  return HeapResponse(std::in_place_type<Response>, *std::move(response));
}

// Sends one request through the client library and waits for its reply.
struct BlockingSender {
  const client::HeapClient& heap;

  HeapReply operator()(const v1::AllocateRequest& r) {
    return Reply(heap.Allocate(r));
  }
  HeapReply operator()(const v1::IncRefRequest& r) {
    return Reply(heap.IncRef(r));
  }
  HeapReply operator()(const v1::DecRefRequest& r) {
    return Reply(heap.DecRef(r));
  }
  HeapReply operator()(const v1::LinkRequest& r) { return Reply(heap.Link(r)); }
  HeapReply operator()(const v1::UnlinkRequest& r) {
    return Reply(heap.Unlink(r));
  }
  HeapReply operator()(const v1::InspectRequest& r) {
    return Reply(heap.Inspect(r));
  }
  HeapReply operator()(const v1::CollectRequest& r) {
    return Reply(heap.Collect(r));
  }
  HeapReply operator()(const v1::SetGcConfigRequest& r) {
    return Reply(heap.SetGcConfig(r));
  }
  HeapReply operator()(const v1::FreezeRequest& r) {
    return Reply(heap.Freeze(r));
  }
  HeapReply operator()(const v1::UnfreezeRequest& r) {
    return Reply(heap.Unfreeze(r));
  }
  HeapReply operator()(const v1::StatsRequest& r) {
    return Reply(heap.Stats(r));
  }
};

// Prints one line per top-level statement (every statement when verbose),
// `print` output, failed expectations and the error that stopped the run.
class Printer final : public Listener {
 public:
  Printer(const RunOptions& options, std::ostream& out)
      : options_(options), out_(out) {}

  void RepeatStarted(const Statement& repeat, int depth) override {
    if (Echo(depth)) {
      Print(absl::StrFormat("%5d | %s", repeat.line, repeat.source));
    }
  }
  void RepeatFinished(const Statement& repeat, int depth,
                      int64_t statements) override {
    if (Echo(depth)) {
      Print(absl::StrFormat("%5s | } -> %d times, %d statements", "",
                            repeat.count, statements));
    }
  }
  void StatementDone(const Statement& statement, int depth,
                     const std::string& text) override {
    if (statement.kind == StatementKind::kPrint) {
      Print(text);
    } else if (Echo(depth)) {
      Print(absl::StrFormat("%5d | %s -> %s", statement.line, statement.source,
                            text));
    }
  }
  // A failed expectation shows even inside a silent block or when quiet.
  void ExpectationFailed(const std::string& message) override {
    Print(message);
  }
  void Stopped(const absl::Status& error) override { Print(error.message()); }

 private:
  bool Echo(int depth) const {
    return !options_.quiet && (depth == 0 || options_.verbose);
  }
  void Print(absl::string_view line) { out_ << line << "\n"; }

  const RunOptions& options_;
  std::ostream& out_;
};

}  // namespace

RunResult RunScenario(const Scenario& scenario, const client::HeapClient& heap,
                      const RunOptions& options, std::ostream& out) {
  RunResult result;
  absl::StatusOr<client::Session> session =
      heap.OpenSession(absl::ZeroDuration(), options.client_name);
  if (!session.ok()) {
    result.error = absl::Status(
        session.status().code(),
        absl::StrCat(scenario.filename,
                     ": cannot open a session: ", session.status().message()));
    out << result.error.message() << "\n";
    return result;
  }
  Interpreter interpreter(scenario, options.max_statements);
  Printer printer(options, out);
  BlockingSender sender{heap};
  while (std::optional<HeapRequest> request = interpreter.Next(printer)) {
    NameSession(session->id(), &*request);
    interpreter.OnReply(std::visit(sender, *request));
  }
  const PassResult& pass = interpreter.result();
  result.statements = pass.statements;
  result.expectations_passed = pass.expectations_passed;
  result.failures = pass.failures;
  result.error = pass.error;
  if (options.at_end) {
    NamedObjects objects;
    for (const auto& [name, binding] : interpreter.locals().names) {
      if (binding.is_object) objects.bound[name] = binding.handle;
    }
    for (const auto& [name, binding] : interpreter.locals().ghosts) {
      if (binding.is_object) objects.deleted[name] = binding.handle;
    }
    options.at_end(*session, objects);
  }
  absl::StatusOr<v1::CloseSessionResponse> closed = session->Close();
  if (!options.quiet) {
    if (closed.ok()) {
      out << absl::StrFormat(
          "%5s | end -> session closed: %d references released, %d objects "
          "freed\n",
          "", closed->references_released(), closed->objects_freed());
    } else {
      out << absl::StrFormat("%5s | end -> closing the session failed: %s\n",
                             "", closed.status().ToString());
    }
  }
  if (!options.quiet || !result.ok()) {
    out << absl::StrFormat(
        "%s: %d statements, %d expectations passed, %d failed%s\n",
        scenario.filename, result.statements, result.expectations_passed,
        result.failures.size(), result.error.ok() ? "" : ", stopped early");
  }
  return result;
}

}  // namespace heapd::scenario
