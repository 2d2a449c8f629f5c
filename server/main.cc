// heapd: serves the heapd.v1.Heap API, the gRPC health service and server
// reflection until SIGINT or SIGTERM.
//
// Standard output, for people and for scripts that start heapd:
//   heapd layout: classic (256 KiB arenas, 4 KiB pools, keep_one)
//   heapd metrics on http://127.0.0.1:9464/metrics  <- unless --http_listen=
//   heapd page on http://127.0.0.1:9464/   <- with --web_root
//   heapd listening on 127.0.0.1:50051     <- the bound port; printed last,
//                                             once the server accepts calls
//   heapd stopped                          <- after a clean shutdown
//
// Exit codes: 0 after a signal-initiated shutdown; 2 for an invalid flag
// value (the reason goes to stderr); 1 when the server cannot start (e.g. the
// address is in use). Abseil's own flag parsing exits with 1 for an unknown
// flag or a value of the wrong type.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "heap/obmalloc/layout.h"
#include "proto/heap.grpc.pb.h"
#include "server/access_control.h"
#include "server/heap_service.h"
#include "server/listen_probe.h"
#include "server/metrics/grpc_metrics.h"
#include "server/metrics/heapd_collector.h"
#include "server/metrics/http_listener.h"
#include "server/server_options.h"
#include "server/shutdown_signal.h"
#include "server/tls_credentials.h"
#include "server/web/web_routes.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address to serve on, HOST:PORT; port 0 picks a free port (the "
          "bound one is printed).");
ABSL_FLAG(std::string, http_listen, "127.0.0.1:9464",
          "Address of the HTTP listener for monitoring, HOST:PORT: /metrics "
          "(Prometheus) and /healthz; port 0 picks a free port (the bound one "
          "is printed); empty turns it off.");
ABSL_FLAG(std::string, web_root, "",
          "Folder of the web page's files (tools/build_web makes web/dist; "
          "tools/run passes it), served at / on --http_listen beside the "
          "JSON API under /api/; empty: the API only.");
ABSL_FLAG(std::string, layout, "classic",
          "Allocator layout preset: classic (256 KiB arenas, 4 KiB pools) or "
          "cpython312 (1 MiB arenas, 16 KiB pools).");
ABSL_FLAG(uint64_t, arena_size, 0,
          "Arena size in bytes, a power of two; 0 takes the preset's.");
ABSL_FLAG(uint64_t, pool_size, 0,
          "Pool size in bytes, a power of two; 0 takes the preset's.");
ABSL_FLAG(std::string, arena_release, "keep_one",
          "When a wholly free arena goes back to the OS: keep_one (CPython "
          "3.9+) or eager (CPython 3.8).");

ABSL_FLAG(std::string, lock_policy, "cpython",
          "Who gets the interpreter lock when several want it: cpython "
          "(CPython's GIL), fifo (arrival order) or barging (a plain mutex).");
ABSL_FLAG(int64_t, switch_interval_ms, 5,
          "How long a waiter waits before asking the holder to drop the "
          "interpreter lock (sys.setswitchinterval), in ms; > 0.");
ABSL_FLAG(int64_t, gc_threshold0, 700,
          "Collector threshold of generation 0 (container allocations minus "
          "deallocations); 0 turns automatic collection off.");
ABSL_FLAG(int64_t, gc_threshold1, 10,
          "Collector threshold of generation 1 (generation-0 collections).");
ABSL_FLAG(int64_t, gc_threshold2, 10,
          "Collector threshold of generation 2 (generation-1 collections).");
ABSL_FLAG(int64_t, max_session_ttl_ms, 600000,
          "The longest session lease a client may ask for, in ms (default "
          "10 min); longer is INVALID_ARGUMENT.");
ABSL_FLAG(int64_t, max_allocate_count, 100000,
          "The most objects one Allocate may ask for; more is "
          "RESOURCE_EXHAUSTED.");
ABSL_FLAG(int64_t, max_batch, 10000,
          "The most operations one Batch may carry; more is "
          "RESOURCE_EXHAUSTED.");
ABSL_FLAG(int64_t, max_heap_bytes, 0,
          "Cap on the memory the heap takes from the OS (arenas and large "
          "blocks), in bytes; 0: none. An allocation that would pass it runs "
          "a full collection, then fails with RESOURCE_EXHAUSTED.");
ABSL_FLAG(int64_t, max_objects, 0,
          "Cap on live objects; 0: none. Enforced like --max_heap_bytes.");
ABSL_FLAG(int64_t, max_lock_waiters, 0,
          "Cap on requests waiting for the interpreter lock at once; past it "
          "a request is refused at once with RESOURCE_EXHAUSTED. 0: none.");
ABSL_FLAG(int64_t, interpreter_threads, 16,
          "Threads that wait for the interpreter lock for requests that find "
          "it busy (gRPC's own threads never wait for it); 1..1024. They "
          "contend for the lock as CPython's threads for the GIL.");
ABSL_FLAG(int64_t, max_message_bytes, 4 * 1024 * 1024,
          "Largest request or response message, in bytes (gRPC's limit; "
          "larger is RESOURCE_EXHAUSTED).");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM certificate chain to serve TLS with (with --tls_key); empty: "
          "plaintext.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_client_ca, "",
          "PEM CA certificates: clients must present a certificate they "
          "signed (mutual TLS). Needs --tls_cert.");
ABSL_FLAG(std::string, auth_tokens, "",
          "File of bearer tokens, one 'TOKEN ROLE [IDENTITY]' a line (ROLE: "
          "client or admin); every call must then carry "
          "'authorization: Bearer TOKEN'. Empty: no access control.");
ABSL_FLAG(int64_t, stats_publish_interval_ms, 50,
          "How often, at most, a request refreshes the heap figures Stats "
          "serves (a collection always does); 0 refreshes after every "
          "request.");
ABSL_FLAG(int64_t, slowlog_threshold_us, 10000,
          "A request whose interpreter-lock wait or hold exceeds this many "
          "microseconds enters the slow log (Stats' slowlog section); 0 "
          "logs every locked request.");

namespace {

// Calls still running when shutdown starts get this long to finish before
// they are cancelled.
constexpr std::chrono::seconds kShutdownGrace(5);

constexpr int kExitCannotStart = 1;
constexpr int kExitUsage = 2;

int Usage(absl::string_view message) {
  std::cerr << "heapd: " << message << "\n"
            << "Run 'heapd --help' for the flags.\n";
  return kExitUsage;
}

const char* SignalName(int signal) {
  switch (signal) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
  }
  return "a signal";
}

// One descriptor per client connection: lift the soft limit to the hard
// one (often 1,024 soft against far more hard), as Redis does at start.
void RaiseOpenFileLimit() {
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    std::cerr << "heapd: could not raise the open-file limit; it caps "
                 "connections\n";
  }
}

// Every flag but --listen and TLS as the service's options, each validated:
// the first invalid one's message, for the usage error.
absl::StatusOr<heapd::server::HeapServiceOptions> ServiceOptionsFromFlags() {
  heapd::server::HeapServiceOptions options;
  absl::StatusOr<heapd::obmalloc::AllocatorLayout> layout =
      heapd::server::LayoutFromFlags(
          absl::GetFlag(FLAGS_layout), absl::GetFlag(FLAGS_arena_size),
          absl::GetFlag(FLAGS_pool_size), absl::GetFlag(FLAGS_arena_release));
  if (!layout.ok()) return layout.status();
  options.layout = *layout;
  absl::StatusOr<heapd::gil::InterpreterLockOptions> lock =
      heapd::server::LockOptionsFromFlags(
          absl::GetFlag(FLAGS_lock_policy),
          absl::GetFlag(FLAGS_switch_interval_ms));
  if (!lock.ok()) return lock.status();
  options.lock = *lock;
  absl::StatusOr<heapd::objects::GcConfig> gc =
      heapd::server::GcConfigFromFlags(absl::GetFlag(FLAGS_gc_threshold0),
                                       absl::GetFlag(FLAGS_gc_threshold1),
                                       absl::GetFlag(FLAGS_gc_threshold2));
  if (!gc.ok()) return gc.status();
  options.gc = *gc;

  const int64_t max_session_ttl_ms = absl::GetFlag(FLAGS_max_session_ttl_ms);
  options.max_allocate_count = absl::GetFlag(FLAGS_max_allocate_count);
  options.max_batch = absl::GetFlag(FLAGS_max_batch);
  if (absl::Status s = heapd::server::ValidateServiceLimits(
          max_session_ttl_ms, options.max_allocate_count, options.max_batch);
      !s.ok()) {
    return s;
  }
  options.max_session_ttl = absl::Milliseconds(max_session_ttl_ms);

  const int64_t max_heap_bytes = absl::GetFlag(FLAGS_max_heap_bytes);
  options.max_objects = absl::GetFlag(FLAGS_max_objects);
  options.max_lock_waiters = absl::GetFlag(FLAGS_max_lock_waiters);
  if (absl::Status s = heapd::server::ValidateResourceLimits(
          options.layout, max_heap_bytes, options.max_objects,
          options.max_lock_waiters, absl::GetFlag(FLAGS_max_message_bytes));
      !s.ok()) {
    return s;
  }
  options.max_heap_bytes = static_cast<size_t>(max_heap_bytes);

  const int64_t interpreter_threads = absl::GetFlag(FLAGS_interpreter_threads);
  if (interpreter_threads < 1 || interpreter_threads > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("--interpreter_threads=", interpreter_threads,
                     ": must be from 1 to 1024"));
  }
  options.interpreter_threads = static_cast<int>(interpreter_threads);

  absl::StatusOr<absl::Duration> slowlog_threshold =
      heapd::server::SlowlogThresholdFromFlag(
          absl::GetFlag(FLAGS_slowlog_threshold_us));
  if (!slowlog_threshold.ok()) return slowlog_threshold.status();
  options.slowlog_threshold = *slowlog_threshold;
  absl::StatusOr<absl::Duration> publish_interval =
      heapd::server::StatsPublishIntervalFromFlag(
          absl::GetFlag(FLAGS_stats_publish_interval_ms));
  if (!publish_interval.ok()) return publish_interval.status();
  options.stats_publish_interval = *publish_interval;

  const std::string tokens_file = absl::GetFlag(FLAGS_auth_tokens);
  if (!tokens_file.empty()) {
    absl::StatusOr<heapd::server::AccessControl> parsed =
        heapd::server::AccessControl::FromFile(tokens_file);
    if (!parsed.ok()) return parsed.status();
    options.access_control =
        std::make_shared<const heapd::server::AccessControl>(
            *std::move(parsed));
  }
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  // Before anything can start a thread: see shutdown_signal.h.
  heapd::server::BlockShutdownSignals();

  // Abseil prefixes the message with the program's name.
  absl::SetProgramUsageMessage(
      "a heap service modelled on CPython's memory manager, served over "
      "gRPC.\n\nUsage: heapd [--listen=HOST:PORT] [--http_listen=HOST:PORT] "
      "[--layout=classic|cpython312] [--arena_size=BYTES] [--pool_size=BYTES] "
      "[--arena_release=keep_one|eager] [--lock_policy=cpython|fifo|barging] "
      "[--switch_interval_ms=MS] [--gc_threshold0/1/2=N] "
      "[--max_session_ttl_ms=MS] [--max_allocate_count=N] [--max_batch=N] "
      "[--max_heap_bytes=BYTES] [--max_objects=N] [--max_lock_waiters=N] "
      "[--max_message_bytes=BYTES] [--interpreter_threads=N] [--tls_cert=PEM "
      "--tls_key=PEM "
      "[--tls_client_ca=PEM]] [--auth_tokens=FILE] "
      "[--slowlog_threshold_us=US] [--stats_publish_interval_ms=MS] "
      "[--web_root=DIR]");
  // --help lists the flags of files that look like the program's main
  // (heapd.cc, heapd_main.cc, ...) by default; ours is server/main.cc.
  absl::FlagsUsageConfig usage_config;
  usage_config.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "server/main.cc");
  };
  usage_config.contains_helpshort_flags = usage_config.contains_help_flags;
  absl::SetFlagsUsageConfig(usage_config);
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() > 1) {
    return Usage(absl::StrCat("unexpected argument '", positional[1],
                              "': heapd takes only flags"));
  }

  const std::string listen = absl::GetFlag(FLAGS_listen);
  const absl::StatusOr<std::string> host = heapd::server::ListenHost(listen);
  if (!host.ok()) return Usage(host.status().message());
  const std::string http_listen = absl::GetFlag(FLAGS_http_listen);
  absl::StatusOr<std::string> http_host;
  if (!http_listen.empty()) {
    http_host = heapd::server::ListenHost(http_listen);
    if (!http_host.ok()) {
      return Usage(
          absl::StrCat("--http_listen: ", http_host.status().message()));
    }
  }
  const absl::StatusOr<heapd::server::HeapServiceOptions> options =
      ServiceOptionsFromFlags();
  if (!options.ok()) return Usage(options.status().message());
  const absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      heapd::server::ServerCredentialsFromFlags(
          absl::GetFlag(FLAGS_tls_cert), absl::GetFlag(FLAGS_tls_key),
          absl::GetFlag(FLAGS_tls_client_ca));
  if (!credentials.ok()) return Usage(credentials.status().message());
  const heapd::obmalloc::AllocatorLayout& layout = options->layout;
  const std::shared_ptr<const heapd::server::AccessControl>& access =
      options->access_control;
  const int64_t max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);

  heapd::server::HeapService service(*options);
  RaiseOpenFileLimit();

  grpc::EnableDefaultHealthCheckService(true);
  // Registers the reflection plugin with every ServerBuilder created after
  // it. Calling it also makes the linker keep libgrpc++_reflection, which
  // nothing else references.
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  const auto grpc_metrics =
      std::make_shared<heapd::server::metrics::GrpcMetrics>(
          heapd::server::metrics::GrpcMetrics::HeapdMethods());

  grpc::ServerBuilder builder;
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(grpc_metrics->InterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  int port = 0;
  builder.AddListeningPort(listen, *credentials, &port);
  // gRPC sets SO_REUSEPORT by default on Linux: a second server on the same
  // port would then start, and the kernel would spread connections over both.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(static_cast<int>(max_message_bytes));
  builder.SetMaxSendMessageSize(static_cast<int>(max_message_bytes));
  // Declared after `service`, so destroyed before it: the server must not
  // outlive a service it may still call.
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    const absl::Status why = heapd::server::ProbeListenAddress(listen);
    std::cerr << "heapd: cannot serve on " << listen << ": "
              << (why.ok() ? "gRPC could not bind it" : why.message())
              << "\nheapd: pick another port with --listen=HOST:PORT, or "
                 "--listen=127.0.0.1:0 for a free one (heapd prints it)\n";
    return kExitCannotStart;
  }
  // The default health service only knows the whole server (""); clients
  // that ask about the Heap service by name should hear SERVING too.
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(heapd::v1::Heap::service_full_name(), true);

  std::cout << "heapd layout: " << layout.ToString() << "\n";
  const bool tls = !absl::GetFlag(FLAGS_tls_cert).empty();
  std::cout << "heapd security: " << (tls ? "TLS" : "plaintext")
            << (absl::GetFlag(FLAGS_tls_client_ca).empty() || !tls
                    ? ""
                    : " with client certificates")
            << ", "
            << (access ? absl::StrCat(access->size(), " bearer tokens")
                       : std::string("no access control"))
            << "\n";
  if (!heapd::server::IsLoopbackHost(*host) && (!tls || access == nullptr)) {
    std::cerr << "heapd: warning: serving " << *host << " beyond this machine "
              << (tls ? "" : "without TLS")
              << (!tls && access == nullptr ? " and " : "")
              << (access == nullptr ? "without access tokens" : "")
              << ": anyone who can reach it can read and change the heap\n";
  }
  // Declared after `server`, so destroyed before it (and `service`), whose
  // figures it reads.
  std::unique_ptr<heapd::server::metrics::HttpListener> http;
  if (!http_listen.empty()) {
    absl::StatusOr<std::unique_ptr<heapd::server::metrics::HttpListener>>
        started = heapd::server::metrics::HttpListener::Start(
            http_listen,
            {std::make_shared<heapd::server::metrics::HeapdCollector>(&service),
             grpc_metrics},
            access,
            heapd::server::web::WebRoutes(&service, access, layout,
                                          absl::GetFlag(FLAGS_web_root)));
    if (!started.ok()) {
      std::cerr << "heapd: " << started.status().message()
                << "\nheapd: pick another port with --http_listen=HOST:PORT, "
                   "--http_listen=127.0.0.1:0 for a free one, or "
                   "--http_listen= to serve no metrics\n";
      server->Shutdown();
      return kExitCannotStart;
    }
    http = *std::move(started);
    // The HTTP listener has no TLS: beyond loopback, tokens and figures
    // cross the network in the clear.
    if (!heapd::server::IsLoopbackHost(*http_host)) {
      std::cerr << "heapd: warning: serving metrics on " << *http_host
                << " beyond this machine without TLS"
                << (access == nullptr
                        ? " and without access tokens: anyone who can reach "
                          "it can read the heap's figures\n"
                        : ": bearer tokens and figures cross the network in "
                          "the clear\n");
    }
    std::cout << "heapd metrics on http://" << *http_host << ":" << http->port()
              << "/metrics" << std::endl;
    if (!absl::GetFlag(FLAGS_web_root).empty()) {
      std::cout << "heapd page on http://" << *http_host << ":" << http->port()
                << "/" << std::endl;
    }
  }
  std::cout << "heapd listening on " << *host << ":" << port << std::endl;

  const int signal = heapd::server::WaitForShutdownSignal();
  std::cout << "heapd received " << SignalName(signal) << ", shutting down"
            << std::endl;
  // Health watchers hear NOT_SERVING before the listener closes, and
  // WatchStats streams end at once rather than at the drain deadline.
  health->Shutdown();
  http.reset();
  service.Shutdown();
  server->Shutdown(std::chrono::system_clock::now() + kShutdownGrace);
  server->Wait();
  server.reset();
  std::cout << "heapd stopped" << std::endl;
  return 0;
}
