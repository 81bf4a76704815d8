// RTSP authentication: Digest by RFC 7616 and RFC 2617 (their worked
// examples), Basic by RFC 7617, challenges as cameras send them, and
// credentials in the URL with percent-encoding.
#include <catch2/catch.hpp>

#include <string>

#include "rtsp_auth.h"

namespace {

std::string response_of(const std::string &header) {
  const std::string key = "response=\"";
  const size_t at = header.find(key);
  if (at == std::string::npos) return {};
  return header.substr(
      at + key.size(),
      32 + 32 * (header.find("algorithm=SHA-256") != std::string::npos));
}

}  // namespace

TEST_CASE("Digest with qop=auth answers RFC 7616's example in MD5 and SHA-256",
          "[rtsp][auth]") {
  // RFC 7616 3.9.1: the server offers SHA-256 and MD5 challenges.
  const auto challenges = dvr::parse_challenges(
      {"Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=SHA-256, "
       "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"",
       "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm=MD5, "
       "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\""});
  REQUIRE(challenges.size() == 2);
  CHECK(challenges[0].qop_auth);
  CHECK(challenges[0].qop_auth_int);
  CHECK(challenges[0].opaque == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  const dvr::AuthChallenge *best = dvr::preferred_challenge(challenges);
  REQUIRE(best == &challenges[0]);  // SHA-256 before MD5

  const std::string cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
  const std::string sha =
      dvr::digest_authorization(challenges[0], "Mufasa", "Circle of Life",
                                "GET", "/dir/index.html", 1, cnonce);
  CHECK(response_of(sha) ==
        "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  CHECK(sha.find("qop=auth, nc=00000001, cnonce=\"" + cnonce + "\"") !=
        std::string::npos);
  CHECK(sha.find("opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"") !=
        std::string::npos);
  CHECK(sha.find("algorithm=SHA-256") != std::string::npos);

  const std::string md5 =
      dvr::digest_authorization(challenges[1], "Mufasa", "Circle of Life",
                                "GET", "/dir/index.html", 1, cnonce);
  CHECK(response_of(md5) == "8ca523f5e9506fed4657c9700eebdbec");
}

TEST_CASE("Digest with qop=auth answers RFC 2617's example", "[rtsp][auth]") {
  const auto challenges = dvr::parse_challenges(
      {"Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
       "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""});
  REQUIRE(challenges.size() == 1);
  const std::string h =
      dvr::digest_authorization(challenges[0], "Mufasa", "Circle Of Life",
                                "GET", "/dir/index.html", 1, "0a4f113b");
  CHECK(response_of(h) == "6629fae49393a05397450978507c4ef1");
  CHECK(h.find("algorithm") == std::string::npos);  // not offered, not sent
}

TEST_CASE(
    "Digest without qop is RFC 2069's, as Dahua and Hikvision cameras ask",
    "[rtsp][auth]") {
  // The challenge and answer of a Dahua camera in
  // https://blog.csdn.net/BeanGuohui/article/details/121969076 (a VLC log);
  // the password is not public, so the response is checked by its formula.
  const auto c = dvr::parse_challenges(
      {"Digest realm=\"Login to be8c87b7ecbc1c2c89f8b4da109a4f78\", nonce=\"1ae117ce84194f06b41c1557c008dc31\""});
  REQUIRE(c.size() == 1);
  CHECK_FALSE(c[0].qop_auth);
  const std::string uri =
      "rtsp://192.168.0.141:554/cam/realmonitor?channel=1&subtype=0";
  const std::string h = dvr::digest_authorization(
      c[0], "admin", "secret", "DESCRIBE", uri, 1, "ignored");
  const std::string ha1 =
      dvr::digest_hash("MD5", "admin:" + c[0].realm + ":secret");
  const std::string ha2 = dvr::digest_hash("MD5", "DESCRIBE:" + uri);
  CHECK(response_of(h) ==
        dvr::digest_hash("MD5", ha1 + ":" + c[0].nonce + ":" + ha2));
  CHECK(h.find("nc=") == std::string::npos);
  CHECK(h.find("cnonce") == std::string::npos);
}

TEST_CASE(
    "Digest counts its requests with nc and hashes the -sess forms with the cnonce",
    "[rtsp][auth]") {
  auto c = dvr::parse_challenges(
      {"Digest realm=\"r\", nonce=\"n\", qop=auth, algorithm=MD5-sess"})[0];
  const std::string h =
      dvr::digest_authorization(c, "u", "p", "PLAY", "rtsp://h/x", 26, "cn");
  CHECK(h.find("nc=0000001a") != std::string::npos);
  const std::string ha1 =
      dvr::digest_hash("MD5", dvr::digest_hash("MD5", "u:r:p") + ":n:cn");
  const std::string ha2 = dvr::digest_hash("MD5", "PLAY:rtsp://h/x");
  CHECK(response_of(h) ==
        dvr::digest_hash("MD5", ha1 + ":n:0000001a:cn:auth:" + ha2));
}

TEST_CASE(
    "A stale nonce is read from the challenge, so it is not taken as a refused login",
    "[rtsp][auth]") {
  const auto c = dvr::parse_challenges(
      {"Digest realm=\"cam\", nonce=\"new\", stale=TRUE, qop=\"auth\""});
  REQUIRE(c.size() == 1);
  CHECK(c[0].stale);
  CHECK(c[0].nonce == "new");
  CHECK_FALSE(dvr::parse_challenges(
                  {"Digest realm=\"cam\", nonce=\"x\", stale=false"})[0]
                  .stale);
}

TEST_CASE(
    "Several challenges in one header, and Basic only when no Digest is offered",
    "[rtsp][auth]") {
  const auto both = dvr::parse_challenges(
      {"Basic realm=\"cam\", Digest realm=\"cam\", nonce=\"abc\""});
  REQUIRE(both.size() == 2);
  CHECK(dvr::preferred_challenge(both)->scheme ==
        dvr::AuthChallenge::Scheme::kDigest);
  const auto basic = dvr::parse_challenges({"Basic realm=\"WallyWorld\""});
  REQUIRE(dvr::preferred_challenge(basic) != nullptr);
  CHECK(dvr::preferred_challenge(basic)->scheme ==
        dvr::AuthChallenge::Scheme::kBasic);
  // A Digest with an algorithm nobody here knows is passed over.
  CHECK(dvr::preferred_challenge(dvr::parse_challenges(
            {"Digest realm=\"r\", nonce=\"n\", algorithm=SHA-512-256"})) ==
        nullptr);
  CHECK(dvr::preferred_challenge(dvr::parse_challenges({"Negotiate"})) ==
        nullptr);
}

TEST_CASE("Basic is RFC 7617's base64 of user:password", "[rtsp][auth]") {
  CHECK(dvr::basic_authorization("Aladdin", "open sesame") ==
        "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
}

TEST_CASE(
    "Credentials in the URL are percent-decoded: passwords with @, : and %",
    "[rtsp][auth]") {
  std::string user, password;
  REQUIRE(dvr::user_info_of(
      "rtsp://admin:p%40ss%3Aw%25rd@10.0.0.5:554/cam/realmonitor?channel=1",
      &user, &password));
  CHECK(user == "admin");
  CHECK(password == "p@ss:w%rd");
  // An '@' left unencoded in the password still splits at the last one.
  REQUIRE(dvr::user_info_of("rtsp://admin:a@b@host/x", &user, &password));
  CHECK(password == "a@b");
  REQUIRE(dvr::user_info_of("rtsp://us%20er@host/x", &user, &password));
  CHECK(user == "us er");
  CHECK(password.empty());
  CHECK_FALSE(dvr::user_info_of("rtsp://host/x?a=b@c", &user, &password));
  CHECK_FALSE(
      dvr::user_info_of("rtsp://admin:bad%zz@host/x", &user, &password));
  std::string out;
  CHECK_FALSE(dvr::percent_decode("50%", &out));
}
