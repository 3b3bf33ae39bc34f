// TLS and mutual TLS with certificates made by openssl for the test: the
// agent must present a certificate naming its node, the CLI must trust the
// daemon's CA.

#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/harness.h"

namespace manychip::testing {
namespace {

// Makes a CA and three leaf certificates (server for 127.0.0.1, clients
// "gpu-1" and "gpu-2") in `dir`. False if openssl is unavailable.
bool MakeCerts(const std::string& dir) {
  const std::string script = absl::StrCat(
      "set -e; cd ", dir, "; exec >openssl.log 2>&1\n",
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "
      "/CN=mc-ca\n",
      "leaf() { openssl req -newkey rsa:2048 -nodes -keyout $1.key -out $1.csr -subj /CN=$1;"
      " printf \"subjectAltName=$2\\n\" > $1.ext;"
      " openssl x509 -req -in $1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $1.pem"
      " -days 2 -extfile $1.ext; }\n",
      "leaf server IP:127.0.0.1,DNS:localhost\n", "leaf gpu-1 DNS:gpu-1\n",
      "leaf gpu-2 DNS:gpu-2\n");
  return std::system(script.c_str()) == 0;
}

TEST(TlsTest, MutualTlsAgentIdentityAndClient) {
  if (std::system("command -v openssl >/dev/null 2>&1") != 0) GTEST_SKIP() << "openssl missing";
  Cluster c;
  ASSERT_TRUE(MakeCerts(c.dir())) << Slurp(c.File("openssl.log"));
  ASSERT_TRUE(
      c.StartDaemon({"--listen=127.0.0.1:0", "--tls_cert=" + c.File("server.pem"),
                     "--tls_key=" + c.File("server.key"), "--tls_client_ca=" + c.File("ca.pem")}))
      << c.Logs();
  const std::vector<std::string> tls1 = {"--tls_ca=" + c.File("ca.pem"),
                                         "--tls_cert=" + c.File("gpu-1.pem"),
                                         "--tls_key=" + c.File("gpu-1.key")};
  // gpu-2's certificate cannot speak for gpu-1.
  std::vector<std::string> wrong = {"--tls_ca=" + c.File("ca.pem"),
                                    "--tls_cert=" + c.File("gpu-2.pem"),
                                    "--tls_key=" + c.File("gpu-2.key")};
  Process* impostor = c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"), wrong);
  EXPECT_EQ(impostor->Wait(absl::Seconds(10)), 1) << c.Logs();
  EXPECT_TRUE(absl::StrContains(Slurp(c.File("agent-gpu-1.log")), "does not name node gpu-1"))
      << c.Logs();

  c.StartAgent("gpu-1", Src("examples/inventories/x86-h20.json"), tls1);
  std::vector<std::string> ctl = tls1;
  ctl.push_back("nodes");
  EXPECT_TRUE(
      WaitFor([&] { return absl::StrContains(c.Ctl(ctl).out, " Ready "); }, absl::Seconds(10)))
      << c.Logs();
  // Plaintext clients are turned away.
  CtlResult plain = c.Ctl({"--timeout=2s", "nodes"});
  EXPECT_EQ(plain.code, 1) << plain.out;
}

}  // namespace
}  // namespace manychip::testing
