// The HTTP server's bounds as plain logic: who gets a connection, which one
// gives way, when one times out, when an address guessing passwords is
// refused, the [server] keys that set them, and the HTTPS files.
#include <catch2/catch.hpp>
#include <glib.h>
#include <glib/gstdio.h>

#include <cstdlib>
#include <string>

#include "http/connection_table.h"
#include "http/login_throttle.h"
#include "config/preset.h"
#include "http/tls_identity.h"

using namespace dvr;

namespace {

constexpr std::int64_t kSecond = 1000000;

ServerLimits small_limits() {
  ServerLimits l;
  l.max_connections = 3;
  l.max_connections_per_client = 2;
  l.header_timeout = 10;
  l.keepalive_timeout = 5;
  return l;
}

}  // namespace

TEST_CASE("an address over its share is refused while another still gets in",
          "[limits]") {
  ConnectionTable t(small_limits());
  t.add("10.0.0.1", 0);
  t.add("10.0.0.1", 0);
  CHECK(t.admit("10.0.0.1", 3).verdict ==
        ConnectionTable::Admission::RefuseClientCap);
  CHECK(t.admit("10.0.0.2", 3).verdict == ConnectionTable::Admission::Admit);
}

TEST_CASE(
    "an address at its share reuses the place of its own idle connection, never another's",
    "[limits]") {
  ConnectionTable t(small_limits());
  const auto other_idle = t.add("10.0.0.2", 0);
  t.request_read(other_idle, 0);
  t.request_done(other_idle, 0);
  const auto waiting = t.add("10.0.0.1", 1);
  const auto idle = t.add("10.0.0.1", 2);
  t.request_read(idle, 0);
  t.request_done(idle, 3);
  auto a = t.admit("10.0.0.1", 100);
  REQUIRE(a.verdict == ConnectionTable::Admission::AdmitInPlaceOf);
  CHECK(a.evict == idle);
  t.remove(idle);
  t.add("10.0.0.1", 4);
  CHECK(t.admit("10.0.0.1", 100).verdict ==
        ConnectionTable::Admission::RefuseClientCap);
  CHECK(t.state(waiting) == ConnectionTable::State::Waiting);
}

TEST_CASE(
    "at the cap a newcomer takes the place of the longest idle, else the longest waiting",
    "[limits]") {
  ConnectionTable t(small_limits());
  const auto waiting_old = t.add("a", 0);
  const auto busy = t.add("b", 1);
  const auto idle = t.add("c", 2);
  t.request_read(busy, 0);
  t.request_read(idle, 0);
  t.request_done(idle, 3 * kSecond);
  auto a = t.admit("d", 3);
  REQUIRE(a.verdict == ConnectionTable::Admission::AdmitInPlaceOf);
  CHECK(a.evict == idle);
  t.remove(idle);
  t.add("d", 4 * kSecond);
  a = t.admit("e", 3);
  REQUIRE(a.verdict == ConnectionTable::Admission::AdmitInPlaceOf);
  CHECK(a.evict == waiting_old);
}

TEST_CASE("a server full of connections being answered refuses a newcomer",
          "[limits]") {
  ConnectionTable t(small_limits());
  for (const char *c : {"a", "b", "c"}) t.request_read(t.add(c, 0), 0);
  CHECK(t.admit("d", 3).verdict == ConnectionTable::Admission::RefuseFull);
  // With descriptors short, capacity is what the server holds now.
  ConnectionTable u(small_limits());
  u.add("a", 0);
  CHECK(u.admit("b", 1).verdict == ConnectionTable::Admission::AdmitInPlaceOf);
}

TEST_CASE("a request not complete within the header timeout expires",
          "[limits]") {
  ConnectionTable t(small_limits());
  const auto slow = t.add("a", 0);
  const auto answered = t.add("b", 0);
  t.request_read(answered, 0);
  CHECK(t.expired(9 * kSecond).empty());
  const auto late = t.expired(10 * kSecond);
  REQUIRE(late.size() == 1);
  CHECK(late[0] == slow);
}

TEST_CASE(
    "an answer expires only when the client takes none of it for the send timeout",
    "[limits]") {
  ServerLimits l = small_limits();
  l.send_timeout = 60;
  ConnectionTable t(l);
  const auto id = t.add("a", 0);
  t.request_read(id, 1 * kSecond);
  for (int s = 30; s <= 600; s += 30) {
    t.sent(id, s * kSecond);  // a slow client, still reading
    CHECK(t.expired(s * kSecond + 59 * kSecond).empty());
  }
  CHECK(t.expired(661 * kSecond).size() == 1);  // then it stopped
}

TEST_CASE(
    "an idle kept-alive connection expires after the keep-alive timeout, unless a request starts",
    "[limits]") {
  ConnectionTable t(small_limits());
  const auto id = t.add("a", 0);
  t.request_read(id, 0);
  t.request_done(id, 1 * kSecond);
  CHECK(t.expired(5 * kSecond).empty());
  CHECK(t.expired(6 * kSecond).size() == 1);
  t.request_started(id, 5 * kSecond);
  CHECK(t.expired(6 * kSecond).empty());
  CHECK(t.expired(15 * kSecond).size() == 1);
}

TEST_CASE("removing connections gives the address its share back", "[limits]") {
  ConnectionTable t(small_limits());
  const auto a = t.add("x", 0);
  t.add("x", 0);
  t.remove(a);
  t.remove(a);  // twice is harmless
  CHECK(t.count("x") == 1);
  CHECK(t.size() == 1);
  CHECK(t.admit("x", 3).verdict == ConnectionTable::Admission::Admit);
}

TEST_CASE(
    "failed logins from one address lock it out for a while, once per episode",
    "[limits][auth]") {
  LoginThrottle throttle(3, 60);
  CHECK_FALSE(throttle.failed("10.0.0.9", 0));
  CHECK_FALSE(throttle.failed("10.0.0.9", 1 * kSecond));
  CHECK(throttle.failed("10.0.0.9",
                        2 * kSecond));  // the third: the one line to log
  CHECK(throttle.retry_after("10.0.0.9", 2 * kSecond) == 60);
  CHECK_FALSE(throttle.failed("10.0.0.9",
                              3 * kSecond));  // still locked: no second line
  CHECK(throttle.retry_after("10.0.0.8", 3 * kSecond) == 0);
  CHECK(throttle.retry_after("10.0.0.9", 62 * kSecond) == 0);
}

TEST_CASE("a success clears the count and a rare mistake never locks out",
          "[limits][auth]") {
  LoginThrottle throttle(3, 60);
  throttle.failed("a", 0);
  throttle.failed("a", 1 * kSecond);
  throttle.succeeded("a");
  CHECK_FALSE(throttle.failed("a", 2 * kSecond));
  CHECK_FALSE(throttle.failed("a", 3 * kSecond));
  // A day later the earlier failures no longer count.
  CHECK_FALSE(throttle.failed("a", 86400 * kSecond));
  CHECK(throttle.retry_after("a", 86400 * kSecond) == 0);
}

TEST_CASE(
    "the throttle forgets old addresses, so guesses from many addresses stay bounded",
    "[limits][auth]") {
  LoginThrottle throttle(3, 60);
  for (int i = 0; i < 5000; ++i)
    throttle.failed(
        "10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256),
        std::int64_t{i} * kSecond);
  CHECK(throttle.tracked() < 1200);
}

TEST_CASE("[server] limit keys are read and checked", "[preset][limits]") {
  const std::string base = "[camera a]\nsource = test\n";
  auto r = parse_preset(
      "[server]\nmax-connections = 100\nmax-connections-per-client = 8\nheader-timeout = 3\n"
      "keepalive-timeout = 4\nsend-timeout = 30\nmax-header-bytes = 8192\nmax-url-bytes = 1024\n"
      "login-attempts = 5\nlogin-lockout = 30\n" +
          base,
      "p.ini");
  REQUIRE(r.preset);
  const ServerLimits &l = r.preset->limits;
  CHECK(l.max_connections == 100);
  CHECK(l.max_connections_per_client == 8);
  CHECK(l.header_timeout == 3);
  CHECK(l.keepalive_timeout == 4);
  CHECK(l.send_timeout == 30);
  CHECK(l.max_header_bytes == 8192);
  CHECK(l.max_url_bytes == 1024);
  CHECK(l.login_attempts == 5);
  CHECK(l.login_lockout == 30);

  r = parse_preset(
      "[server]\nheader-timeout = 0\nmax-header-bytes = 100000\n" + base,
      "p.ini");
  REQUIRE_FALSE(r.preset);
  CHECK(r.error.find(
            "p.ini:server:header-timeout: expected a whole number from 1") !=
        std::string::npos);
  CHECK(r.error.find("p.ini:server:max-header-bytes:") != std::string::npos);

  r = parse_preset("[server]\ntls-certificate = cert.pem\n" + base, "p.ini");
  REQUIRE_FALSE(r.preset);
  CHECK(r.error.find("p.ini:server:tls-key: missing") != std::string::npos);
}

namespace {

// A self-signed certificate and its key, made by openssl in a folder of its own.
struct TlsFolder {
  std::string dir;
  TlsFolder() {
    g_autofree char *d = g_dir_make_tmp("dvr-tls-XXXXXX", nullptr);
    dir = d;
  }
  ~TlsFolder() {
    const std::string cmd = "rm -rf '" + dir + "'";
    (void)std::system(cmd.c_str());
  }
  std::string path(const std::string &name) const { return dir + "/" + name; }
  bool make(const std::string &name, const char *extra) const {
    const std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=localhost " +
        std::string(extra) + " -keyout '" + path(name + ".key") + "' -out '" +
        path(name + ".crt") + "' 2>/dev/null";
    return std::system(cmd.c_str()) == 0;
  }
};

}  // namespace

TEST_CASE(
    "an HTTPS certificate and key are checked, and a fault names its file",
    "[limits][tls]") {
  TlsFolder f;
  REQUIRE(f.make("good", "-days 30"));
  REQUIRE(f.make("other", "-days 30"));
  const std::int64_t now = g_get_real_time();
  std::string error, until;

  GTlsCertificate *identity = load_tls_identity(
      {f.path("good.crt"), f.path("good.key")}, now, error, &until);
  REQUIRE(identity);
  CHECK_FALSE(until.empty());
  g_object_unref(identity);

  CHECK_FALSE(
      load_tls_identity({f.path("good.crt"), f.path("other.key")}, now, error));
  CHECK(error.find(f.path("other.key") +
                   ": the private key does not belong to the certificate") ==
        0);

  CHECK_FALSE(load_tls_identity({f.path("missing.crt"), f.path("good.key")},
                                now, error));
  CHECK(error.find(f.path("missing.crt") + ": cannot read it") == 0);

  CHECK_FALSE(
      load_tls_identity({f.path("good.key"), f.path("good.key")}, now, error));
  CHECK(error.find(f.path("good.key") + ": not a PEM certificate") == 0);

  CHECK_FALSE(
      load_tls_identity({f.path("good.crt"), f.path("good.crt")}, now, error));
  CHECK(error.find(f.path("good.crt") + ": no PEM private key") == 0);

  // 31 days on, the 30-day certificate has expired.
  CHECK_FALSE(load_tls_identity({f.path("good.crt"), f.path("good.key")},
                                now + 31LL * 86400 * kSecond, error));
  CHECK(error.find(f.path("good.crt") + ": the certificate expired on ") == 0);
}
