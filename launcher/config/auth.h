// Optional authentication of every request, set in the preset's [server]
// section: HTTP Basic checked against a crypt(3) hash, and/or a bearer token
// read from the environment. Neither the password nor the token is ever in
// the preset, and neither reaches a log line or an answer.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace dvr {

// [server] auth-*: who may use the HTTP server. Empty: anyone who reaches it.
struct AuthSettings {
  std::string user;           // HTTP Basic user, with password_hash
  std::string password_hash;  // crypt(3), e.g. made by `openssl passwd -6`
  std::string
      token;  // bearer token, resolved from auth-token-env; never printed
  std::string token_env;  // the environment variable's name

  bool enabled() const { return !user.empty() || !token.empty(); }
  bool operator==(const AuthSettings &o) const;
  bool operator!=(const AuthSettings &o) const { return !(*this == o); }
};

// Compares in a time that depends on the lengths only, not on where the
// strings first differ.
bool constant_time_equal(const std::string &a, const std::string &b);

// True if crypt(3) on this system takes hash as a setting ("$6$...", "$y$...").
bool is_password_hash(const std::string &hash);

class Authenticator {
 public:
  explicit Authenticator(AuthSettings settings);

  bool enabled() const { return settings_.enabled(); }
  bool basic() const { return !settings_.user.empty(); }
  bool bearer() const { return !settings_.token.empty(); }

  // authorization: the request's Authorization header, or nullptr.
  bool allows(const char *authorization);

 private:
  bool check_basic(const std::string &credentials);

  AuthSettings settings_;
  // Digests of Basic credentials that passed: crypt(3) is slow on purpose,
  // and a player asks for a segment every second or two.
  std::vector<std::array<std::uint8_t, 32>> accepted_;
};

}  // namespace dvr
