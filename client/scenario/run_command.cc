// Argument handling, file reading and the exit code around RunScenario.
#include "client/scenario/run_command.h"

#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/heap_client.h"
#include "client/scenario/parser.h"
#include "client/scenario/runner.h"

namespace heapd::scenario {
namespace {

constexpr absl::string_view kUsage =
    "usage: run FILE [--server=HOST:PORT] [--verbose] [--quiet] [--json] "
    "[--deadline_ms=N]";

// A JSON string literal.
std::string Json(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += absl::StrFormat("\\u%04x", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

// The first statement, repeats included, that acts on the whole heap
// rather than on the scenario's own objects; null if none.
const Statement* FirstHeapWide(const std::vector<Statement>& statements) {
  for (const Statement& statement : statements) {
    switch (statement.kind) {
      case StatementKind::kGcThreshold:
      case StatementKind::kGcEnable:
      case StatementKind::kGcDisable:
      case StatementKind::kGcFreeze:
      case StatementKind::kGcUnfreeze:
      case StatementKind::kGcDebug:
        return &statement;
      case StatementKind::kRepeat:
        if (const Statement* inside = FirstHeapWide(statement.body)) {
          return inside;
        }
        break;
      default:
        break;
    }
  }
  return nullptr;
}

// Objects on the heap now (0 if heapd will not say).
int64_t HeapObjects(const client::HeapClient& heap) {
  absl::StatusOr<v1::StatsResponse> stats =
      heap.Stats({v1::OBJECTS}, /*fresh=*/true);
  return stats.ok() ? stats->objects().objects() : 0;
}

}  // namespace

int RunScenarioFile(const client::HeapClient& heap, const std::string& file,
                    const RunFileOptions& options, std::ostream& out,
                    std::ostream& err) {
  std::ifstream input(file, std::ios::binary);
  if (!input) {
    err << "run: cannot read " << file << "\n";
    return 2;
  }
  std::stringstream text;
  text << input.rdbuf();
  absl::StatusOr<Scenario> scenario = ParseScenario(text.str(), file);
  if (!scenario.ok()) {
    err << scenario.status().message() << "\n";
    return 2;
  }
  const int64_t objects_before = HeapObjects(heap);
  if (const Statement* wide = FirstHeapWide(scenario->statements);
      wide != nullptr && objects_before > 0) {
    err << "run: note: " << file << ":" << wide->line << ": " << wide->source
        << " acts on the whole heap, not only this scenario's objects: the "
           "heap held "
        << objects_before
        << " objects of other sessions when it started, and collector "
           "settings stay changed after it ends\n";
  }
  RunOptions run_options;
  run_options.verbose = options.verbose;
  run_options.quiet = options.quiet || options.json;
  run_options.at_end = options.at_end;
  std::ostringstream discarded;
  const RunResult result =
      RunScenario(*scenario, heap, run_options, options.json ? discarded : out);
  if (options.json) {
    std::vector<std::string> failures;
    for (const std::string& failure : result.failures) {
      failures.push_back(Json(failure));
    }
    out << "{\"file\": " << Json(file)
        << ", \"ok\": " << (result.ok() ? "true" : "false")
        << ", \"statements\": " << result.statements
        << ", \"expectations_passed\": " << result.expectations_passed
        << ", \"failures\": [" << absl::StrJoin(failures, ", ") << "]"
        << ", \"error\": "
        << (result.error.ok() ? std::string("null")
                              : Json(result.error.message()))
        << "}\n";
  }
  if (!result.ok()) {
    for (const std::string& failure : result.failures) err << failure << "\n";
    if (!result.error.ok()) err << result.error.message() << "\n";
    if (!result.failures.empty() && objects_before > 0) {
      err << "run: hint: the heap held " << objects_before
          << " objects before this scenario started; a scenario that states "
             "absolute figures expects a fresh heap: start one with "
             "`tools/run --listen=127.0.0.1:0` and pass --server=...\n";
    }
    return 1;
  }
  return 0;
}

int RunScenarioCommand(const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err) {
  std::string file;
  client::ClientOptions client_options;
  RunFileOptions options;
  for (const std::string& arg : args) {
    if (absl::StartsWith(arg, "--server=")) {
      client_options.address = arg.substr(9);
    } else if (arg == "--verbose") {
      options.verbose = true;
    } else if (arg == "--quiet") {
      options.quiet = true;
    } else if (arg == "--json") {
      options.json = true;
    } else if (absl::StartsWith(arg, "--deadline_ms=")) {
      int64_t ms = 0;
      if (!absl::SimpleAtoi(arg.substr(14), &ms) || ms <= 0) {
        err << "run: --deadline_ms wants a positive number, not '"
            << arg.substr(14) << "'\n"
            << kUsage << "\n";
        return 2;
      }
      client_options.deadline = absl::Milliseconds(ms);
    } else if (absl::StartsWith(arg, "--")) {
      err << "run: unknown flag " << arg << "\n" << kUsage << "\n";
      return 2;
    } else if (file.empty()) {
      file = arg;
    } else {
      err << "run: one scenario file at a time (got '" << file << "' and '"
          << arg << "')\n"
          << kUsage << "\n";
      return 2;
    }
  }
  if (file.empty()) {
    err << "run: which scenario file?\n" << kUsage << "\n";
    return 2;
  }
  client_options.client_name = "heap-scenario";
  absl::StatusOr<client::HeapClient> heap =
      client::HeapClient::Connect(client_options);
  if (!heap.ok()) {
    err << "run: " << heap.status().message() << "\n";
    return 2;
  }
  return RunScenarioFile(*heap, file, options, out, err);
}

}  // namespace heapd::scenario
