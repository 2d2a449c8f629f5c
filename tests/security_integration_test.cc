// TLS, mutual TLS and bearer-token access control against a real heapd,
// with certificates the test makes with openssl, and the start-up warning
// for a server reachable from elsewhere without protection.
#include <grpcpp/grpcpp.h>
#include <grpcpp/security/credentials.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "proto/heap.grpc.pb.h"
#include "tests/heapd_process.h"

namespace heapd {
namespace {

constexpr std::chrono::seconds kRpcTimeout(30);
constexpr char kClientToken[] = "client-token-0123456789abcdef";
constexpr char kOtherToken[] = "other-token-0123456789abcdef";
constexpr char kAdminToken[] = "admin-token-0123456789abcdef";

std::string TempDir() {
  const char* dir = std::getenv("TEST_TMPDIR");
  return dir != nullptr ? dir : "/tmp";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A CA, a server certificate for localhost / 127.0.0.1 and a client
// certificate, all signed by the CA; made once for the whole test binary.
class Certificates {
 public:
  static const Certificates& Get() {
    static const Certificates* certificates = new Certificates();
    return *certificates;
  }
  std::string dir;
  bool made = false;

 private:
  Certificates() : dir(TempDir() + "/certs") {
    const std::string script = absl::StrCat(
        "set -e; mkdir -p ", dir, "; cd ", dir, "; ",
        "K='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes'; ",
        "openssl req -x509 $K -keyout ca.key -out ca.pem -days 2 "
        "-subj '/CN=heapd test CA' 2>/dev/null; ",
        "openssl req $K -keyout server.key -out server.csr "
        "-subj '/CN=localhost' 2>/dev/null; ",
        "echo 'subjectAltName=DNS:localhost,IP:127.0.0.1' > server.ext; ",
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key "
        "-CAcreateserial -out server.pem -days 2 -extfile server.ext "
        "2>/dev/null; ",
        "openssl req $K -keyout client.key -out client.csr "
        "-subj '/CN=heapd test client' 2>/dev/null; ",
        "echo 'extendedKeyUsage=clientAuth' > client.ext; ",
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key "
        "-CAcreateserial -out client.pem -days 2 -extfile client.ext "
        "2>/dev/null");
    made = std::system(script.c_str()) == 0;
  }
};

class SecurityTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (heapd_ == nullptr) return;
    heapd_->Signal(SIGTERM);
    const absl::StatusOr<int> status = heapd_->WaitForExit(absl::Seconds(30));
    ASSERT_TRUE(status.ok()) << status.status();
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << heapd_->stderr_text();
  }

  // Starts heapd with `flags` on 127.0.0.1 and returns its address.
  std::string Start(std::vector<std::string> flags) {
    flags.insert(flags.begin(), "--listen=127.0.0.1:0");
    absl::StatusOr<std::unique_ptr<HeapdProcess>> process =
        HeapdProcess::Start(flags);
    EXPECT_TRUE(process.ok()) << process.status();
    if (!process.ok()) return "";
    heapd_ = std::move(*process);
    absl::StatusOr<std::string> address =
        heapd_->WaitForLine("heapd listening on ", absl::Seconds(60));
    EXPECT_TRUE(address.ok()) << address.status();
    return address.ok() ? *address : "";
  }

  std::unique_ptr<v1::Heap::Stub> Stub(
      const std::string& address,
      std::shared_ptr<grpc::ChannelCredentials> credentials) {
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
    args.SetSslTargetNameOverride("localhost");
    return v1::Heap::NewStub(grpc::CreateCustomChannel(
        absl::StrCat("ipv4:", address), credentials, args));
  }

  std::shared_ptr<grpc::ChannelCredentials> Tls(bool with_client_cert) {
    const Certificates& certs = Certificates::Get();
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ReadFile(certs.dir + "/ca.pem");
    if (with_client_cert) {
      options.pem_private_key = ReadFile(certs.dir + "/client.key");
      options.pem_cert_chain = ReadFile(certs.dir + "/client.pem");
    }
    return grpc::SslCredentials(options);
  }

  static grpc::Status Ping(v1::Heap::Stub& stub, const char* token = nullptr) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    if (token != nullptr) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    }
    v1::PingResponse response;
    return stub.Ping(&context, v1::PingRequest(), &response);
  }

  template <typename Method, typename Request, typename Response>
  static grpc::Status Call(v1::Heap::Stub& stub, Method method,
                           const char* token, const Request& request,
                           Response* response) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kRpcTimeout);
    if (token != nullptr) {
      context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    }
    return (stub.*method)(&context, request, response);
  }

  std::string WriteTokens() {
    const std::string path = TempDir() + "/tokens";
    std::ofstream out(path);
    out << "# heapd tokens\n"
        << kClientToken << " client alice\n"
        << kOtherToken << " client bob\n"
        << kAdminToken << " admin operator\n";
    return path;
  }

  std::unique_ptr<HeapdProcess> heapd_;
};

TEST_F(SecurityTest, TlsServesTlsClientsOnly) {
  ASSERT_TRUE(Certificates::Get().made) << "openssl failed";
  const std::string dir = Certificates::Get().dir;
  const std::string address = Start({"--tls_cert=" + dir + "/server.pem",
                                     "--tls_key=" + dir + "/server.key"});
  EXPECT_NE(heapd_->stdout_text().find("heapd security: TLS"),
            std::string::npos)
      << heapd_->stdout_text();
  auto tls = Stub(address, Tls(/*with_client_cert=*/false));
  EXPECT_TRUE(Ping(*tls).ok());
  auto plain = Stub(address, grpc::InsecureChannelCredentials());
  EXPECT_EQ(Ping(*plain).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(SecurityTest, MutualTlsRequiresAClientCertificate) {
  ASSERT_TRUE(Certificates::Get().made) << "openssl failed";
  const std::string dir = Certificates::Get().dir;
  const std::string address = Start({"--tls_cert=" + dir + "/server.pem",
                                     "--tls_key=" + dir + "/server.key",
                                     "--tls_client_ca=" + dir + "/ca.pem"});
  auto with_cert = Stub(address, Tls(/*with_client_cert=*/true));
  EXPECT_TRUE(Ping(*with_cert).ok());
  auto without_cert = Stub(address, Tls(/*with_client_cert=*/false));
  EXPECT_EQ(Ping(*without_cert).error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST_F(SecurityTest, BadTlsFlagsAreRefusedAtStart) {
  for (const std::vector<std::string>& flags :
       std::vector<std::vector<std::string>>{
           {"--tls_cert=/nonexistent.pem", "--tls_key=/nonexistent.key"},
           {"--tls_cert=/etc/hostname"},
           {"--tls_client_ca=/etc/hostname"},
           {"--auth_tokens=/nonexistent/tokens"}}) {
    std::vector<std::string> all = flags;
    all.insert(all.begin(), "--listen=127.0.0.1:0");
    absl::StatusOr<std::unique_ptr<HeapdProcess>> process =
        HeapdProcess::Start(all);
    ASSERT_TRUE(process.ok());
    const absl::StatusOr<int> status =
        (*process)->WaitForExit(absl::Seconds(30));
    ASSERT_TRUE(status.ok());
    EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 2)
        << flags[0] << ": " << (*process)->stderr_text();
  }
}

TEST_F(SecurityTest, TokensAuthenticateAndRolesAuthorize) {
  const std::string address = Start({"--auth_tokens=" + WriteTokens()});
  auto stub = Stub(address, grpc::InsecureChannelCredentials());

  EXPECT_EQ(Ping(*stub).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Ping(*stub, "not-a-token-at-all-really").error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Ping(*stub, kClientToken).ok());
  v1::StatsResponse stats;
  EXPECT_EQ(
      Call(*stub, &v1::Heap::Stub::Stats, nullptr, v1::StatsRequest(), &stats)
          .error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Call(*stub, &v1::Heap::Stub::Stats, kClientToken,
                   v1::StatsRequest(), &stats)
                  .ok());

  // alice's session and object.
  v1::OpenSessionResponse opened;
  ASSERT_TRUE(Call(*stub, &v1::Heap::Stub::OpenSession, kClientToken,
                   v1::OpenSessionRequest(), &opened)
                  .ok());
  v1::AllocateRequest allocate;
  allocate.set_session_id(opened.session_id());
  allocate.set_type(v1::OBJECT);
  v1::AllocateResponse allocated;
  ASSERT_TRUE(
      Call(*stub, &v1::Heap::Stub::Allocate, kClientToken, allocate, &allocated)
          .ok());

  // bob cannot use it, nor close it.
  EXPECT_EQ(
      Call(*stub, &v1::Heap::Stub::Allocate, kOtherToken, allocate, &allocated)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  v1::CloseSessionRequest close;
  close.set_session_id(opened.session_id());
  v1::CloseSessionResponse closed;
  EXPECT_EQ(
      Call(*stub, &v1::Heap::Stub::CloseSession, kOtherToken, close, &closed)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  // A client may collect the young generations, not run a full collection,
  // and may not change the collector or verify the heap.
  v1::CollectRequest collect;
  collect.set_session_id(opened.session_id());
  v1::CollectResponse collected;
  EXPECT_EQ(
      Call(*stub, &v1::Heap::Stub::Collect, kClientToken, collect, &collected)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  collect.set_generation(0);
  EXPECT_TRUE(
      Call(*stub, &v1::Heap::Stub::Collect, kClientToken, collect, &collected)
          .ok());
  v1::SetGcConfigRequest config;
  config.set_session_id(opened.session_id());
  config.set_enabled(false);
  v1::GcConfig gc;
  EXPECT_EQ(Call(*stub, &v1::Heap::Stub::SetGcConfig, kClientToken, config, &gc)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::FreezeRequest freeze;
  freeze.set_session_id(opened.session_id());
  v1::FreezeResponse frozen;
  EXPECT_EQ(Call(*stub, &v1::Heap::Stub::Freeze, kClientToken, freeze, &frozen)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::VerifyResponse verified;
  EXPECT_EQ(Call(*stub, &v1::Heap::Stub::Verify, kClientToken,
                 v1::VerifyRequest(), &verified)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::BatchRequest batch;
  batch.set_session_id(opened.session_id());
  batch.add_operations()->mutable_collect();
  v1::BatchResponse batched;
  EXPECT_EQ(Call(*stub, &v1::Heap::Stub::Batch, kClientToken, batch, &batched)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // The admin verifies, and closes alice's session.
  EXPECT_TRUE(Call(*stub, &v1::Heap::Stub::Verify, kAdminToken,
                   v1::VerifyRequest(), &verified)
                  .ok());
  ASSERT_TRUE(
      Call(*stub, &v1::Heap::Stub::CloseSession, kAdminToken, close, &closed)
          .ok());
  EXPECT_EQ(closed.references_released(), 1);
}

// The command-line clients take the matching flags: heapctl and heapload
// over mutual TLS with a token (from a file; HEAPD_TOKEN works too).
TEST_F(SecurityTest, HeapctlAndHeaploadSpeakTlsAndTokens) {
  ASSERT_TRUE(Certificates::Get().made) << "openssl failed";
  const std::string dir = Certificates::Get().dir;
  const std::string address = Start(
      {"--tls_cert=" + dir + "/server.pem", "--tls_key=" + dir + "/server.key",
       "--tls_client_ca=" + dir + "/ca.pem", "--auth_tokens=" + WriteTokens()});
  const std::string token_file = TempDir() + "/client-token";
  {
    std::ofstream out(token_file);
    out << kClientToken << "\n";
  }
  const std::vector<std::string> secure = {"--server=" + address,
                                           "--tls_ca=" + dir + "/ca.pem",
                                           "--tls_cert=" + dir + "/client.pem",
                                           "--tls_key=" + dir + "/client.key",
                                           "--tls_server_name=localhost",
                                           "--token_file=" + token_file};

  absl::StatusOr<std::string> heapctl =
      HeapdProcess::RunfilePath("client/heapctl/heapctl");
  ASSERT_TRUE(heapctl.ok()) << heapctl.status();
  std::vector<std::string> args = {"ping"};
  args.insert(args.end(), secure.begin(), secure.end());
  auto run =
      [](const std::string& path,
         const std::vector<std::string>& args) -> std::pair<int, std::string> {
    absl::StatusOr<std::unique_ptr<HeapdProcess>> process =
        HeapdProcess::StartProgram(path, args);
    if (!process.ok()) return {-1, process.status().ToString()};
    const absl::StatusOr<int> status =
        (*process)->WaitForExit(absl::Seconds(60));
    const int code =
        status.ok() && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
    return {code, (*process)->stdout_text() + (*process)->stderr_text()};
  };
  auto [code, output] = run(*heapctl, args);
  EXPECT_EQ(code, 0) << output;
  // Without the token: refused with heapd's message.
  args.pop_back();
  std::tie(code, output) = run(*heapctl, args);
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("UNAUTHENTICATED"), std::string::npos) << output;

  absl::StatusOr<std::string> heapload =
      HeapdProcess::RunfilePath("client/heapload/heapload");
  ASSERT_TRUE(heapload.ok()) << heapload.status();
  std::vector<std::string> load = {"--workload=alloc-free", "--connections=2",
                                   "--requests=200", "--warmup=0s", "--json"};
  load.insert(load.end(), secure.begin(), secure.end());
  std::tie(code, output) = run(*heapload, load);
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find("\"failed\": 0"), std::string::npos) << output;
}

// 0.0.0.0 without TLS or tokens: heapd says so at start. (Nothing is sent
// to it: the test only reads its output.)
TEST_F(SecurityTest, WarnsWhenServingBeyondThisMachineUnprotected) {
  absl::StatusOr<std::unique_ptr<HeapdProcess>> process =
      HeapdProcess::Start({"--listen=0.0.0.0:0"});
  ASSERT_TRUE(process.ok());
  heapd_ = std::move(*process);
  ASSERT_TRUE(
      heapd_->WaitForLine("heapd listening on ", absl::Seconds(60)).ok());
  EXPECT_NE(heapd_->stderr_text().find("without TLS and without access "
                                       "tokens"),
            std::string::npos)
      << heapd_->stderr_text();
}

}  // namespace
}  // namespace heapd
