// Who may use the server: credentials, origins, and the preset keys that set them.
#include <catch2/catch.hpp>
#include <glib.h>

#include "config/auth.h"
#include "config/cors.h"
#include "http/metrics.h"
#include "config/preset.h"

using namespace dvr;

namespace {

// openssl passwd -6 -salt abcdefgh 'correct horse'
const std::string kHash =
    "$6$abcdefgh$yIZAF3gQPvtKZO/9qOJKffAKKbtS3ef3qmwyugk4uWVjX8YZf/GV3A8SkFxEPY0T56CcilGrHKLffBsp6dLMG.";

std::string basic(const std::string &credentials) {
  g_autofree char *b64 = g_base64_encode(
      reinterpret_cast<const guchar *>(credentials.data()), credentials.size());
  return std::string("Basic ") + b64;
}

}  // namespace

TEST_CASE("constant-time comparison still compares", "[auth]") {
  CHECK(constant_time_equal("abc", "abc"));
  CHECK_FALSE(constant_time_equal("abc", "abd"));
  CHECK_FALSE(constant_time_equal("abc", "abcd"));
  CHECK_FALSE(constant_time_equal("", "a"));
  CHECK(constant_time_equal("", ""));
}

TEST_CASE("a password hash is a crypt(3) setting, not a password", "[auth]") {
  CHECK(is_password_hash(kHash));
  CHECK(is_password_hash(
      "$5$rounds=5000$abcdefgh$KpVkNFGUtRD8OxvG4Uw1uuaMzkGYAzhpWuyyg8OQRS9"));
  CHECK_FALSE(is_password_hash("correct horse"));
  CHECK_FALSE(is_password_hash("$6$"));
  CHECK_FALSE(is_password_hash("$zz$abc$def"));
  CHECK_FALSE(is_password_hash(""));
}

TEST_CASE(
    "Basic checks user and password against the hash; bearer checks the token",
    "[auth]") {
  AuthSettings s;
  s.user = "viewer";
  s.password_hash = kHash;
  s.token = "tok-3f9a1c77e2b54d0c9a8e";
  Authenticator auth(s);
  CHECK(auth.allows(basic("viewer:correct horse").c_str()));
  CHECK(auth.allows(
      basic("viewer:correct horse").c_str()));  // a second time, from the cache
  CHECK(auth.allows(
      ("basic " + basic("viewer:correct horse").substr(6)).c_str()));
  CHECK(auth.allows("Bearer tok-3f9a1c77e2b54d0c9a8e"));
  CHECK_FALSE(auth.allows(nullptr));
  CHECK_FALSE(auth.allows(basic("viewer:correct horsE").c_str()));
  CHECK_FALSE(auth.allows(basic("viewers:correct horse").c_str()));
  CHECK_FALSE(auth.allows(basic("viewer").c_str()));
  CHECK_FALSE(auth.allows("Basic %%%"));
  CHECK_FALSE(auth.allows("Bearer tok-3f9a1c77e2b54d0c9a8"));
  CHECK_FALSE(auth.allows("Bearer"));
  CHECK_FALSE(auth.allows(kHash.c_str()));

  Authenticator open(AuthSettings{});
  CHECK_FALSE(open.enabled());
  CHECK(open.allows(nullptr));
}

TEST_CASE("an origin is a bare scheme, host and port", "[cors]") {
  std::string error;
  CHECK(parse_origin("https://Viewer.example", error) ==
        "https://viewer.example");
  CHECK(parse_origin("https://viewer.example:443/", error) ==
        "https://viewer.example");
  CHECK(parse_origin("http://192.168.1.10:8080", error) ==
        "http://192.168.1.10:8080");
  for (const char *bad : {"*", "null", "viewer.example", "ftp://a.example",
                          "https://a.example/path", "https://user@a.example",
                          "https://a.example?x=1"})
    CHECK_FALSE(parse_origin(bad, error).has_value());
  CorsPolicy cors({"https://viewer.example"});
  CHECK(cors.allows("https://viewer.example"));
  CHECK_FALSE(cors.allows("https://viewer.example.evil"));
  CHECK_FALSE(cors.allows(nullptr));
  CHECK_FALSE(CorsPolicy({}).enabled());
}

TEST_CASE("[server] reads authentication and origins, and names every mistake",
          "[preset]") {
  g_setenv("DVR_UNIT_TOKEN", "0123456789abcdefXYZ", TRUE);
  auto ok = parse_preset(
      "[server]\nauth-user = viewer\nauth-password-hash = " + kHash +
          "\nauth-token-env = DVR_UNIT_TOKEN\ncors-origins = https://a.example, https://B.example:8443\n"
          "[camera c]\nsource = test\n",
      "p.ini");
  REQUIRE(ok.preset);
  CHECK(ok.preset->auth.user == "viewer");
  CHECK(ok.preset->auth.token == "0123456789abcdefXYZ");
  CHECK(
      ok.preset->cors_origins ==
      std::vector<std::string>{"https://a.example", "https://b.example:8443"});

  auto bad = parse_preset(
      "[server]\nauth-password = hunter2hunter2\nauth-password-hash = hunter2hunter2\n"
      "auth-token-env = DVR_UNIT_UNSET\ncors-origins = *\n[camera c]\nsource = test\n",
      "p.ini");
  REQUIRE_FALSE(bad.preset);
  CHECK_THAT(
      bad.error,
      Catch::Contains(
          "p.ini:server:auth-password: a plain password is not accepted"));
  CHECK_THAT(
      bad.error,
      Catch::Contains(
          "p.ini:server:auth-password-hash: not a crypt(3) password hash"));
  CHECK_THAT(bad.error, Catch::Contains("p.ini:server:auth-user: missing"));
  CHECK_THAT(
      bad.error,
      Catch::Contains(
          "p.ini:server:auth-token-env: environment variable DVR_UNIT_UNSET is not set"));
  CHECK_THAT(bad.error,
             Catch::Contains("p.ini:server:cors-origins: expected an origin"));
  CHECK(bad.error.find("hunter2") == std::string::npos);

  auto lonely = parse_preset(
      "[server]\nauth-user = viewer\n[camera c]\nsource = test\n", "p.ini");
  CHECK_THAT(lonely.error,
             Catch::Contains("p.ini:server:auth-password-hash: missing"));
}

TEST_CASE(
    "metrics give each camera's counters, one state gauge per state, and requests by code",
    "[metrics]") {
  CameraStatus c;
  c.name = "door";
  c.state = "recording";
  c.bytes = 123456;
  c.segments = 7;
  c.reconnects = 2;
  c.bitrate = 1000000;
  c.recorded = WallClockSpan{1700000000000000, 1700000010000000};
  CameraStatus d;
  d.name = "yard";
  d.state = "error";
  const std::string text =
      render_metrics({c, d}, {{200, 5}, {404, 1}}, 1700000012500000);
  CHECK_THAT(
      text,
      Catch::Contains("# TYPE dvr_camera_bytes_written_total counter\n"
                      "dvr_camera_bytes_written_total{camera=\"door\"} 123456\n"
                      "dvr_camera_bytes_written_total{camera=\"yard\"} 0\n"));
  CHECK_THAT(text,
             Catch::Contains(
                 "dvr_camera_segments_written_total{camera=\"door\"} 7\n"));
  CHECK_THAT(text, Catch::Contains(
                       "dvr_camera_reconnects_total{camera=\"door\"} 2\n"));
  CHECK_THAT(text,
             Catch::Contains(
                 "dvr_camera_state{camera=\"door\",state=\"recording\"} 1\n"));
  CHECK_THAT(
      text,
      Catch::Contains("dvr_camera_state{camera=\"door\",state=\"error\"} 0\n"));
  CHECK_THAT(
      text,
      Catch::Contains("dvr_camera_state{camera=\"yard\",state=\"error\"} 1\n"));
  CHECK_THAT(
      text,
      Catch::Contains(
          "dvr_camera_bitrate_bits_per_second{camera=\"door\"} 1000000\n"));
  CHECK(text.find("bitrate_bits_per_second{camera=\"yard\"}") ==
        std::string::npos);
  CHECK_THAT(
      text,
      Catch::Contains(
          "dvr_camera_newest_segment_age_seconds{camera=\"door\"} 2.5\n"));
  CHECK_THAT(
      text,
      Catch::Contains(
          "dvr_http_requests_total{code=\"200\"} 5\ndvr_http_requests_total{code=\"404\"} 1\n"));
}
