#include "config/auth.h"

#include <crypt.h>
#include <glib.h>

#include <algorithm>
#include <memory>

namespace dvr {
namespace {

constexpr std::size_t kMaxAccepted = 16;

std::array<std::uint8_t, 32> sha256(const std::string &text) {
  std::array<std::uint8_t, 32> out{};
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  g_checksum_update(sum, reinterpret_cast<const guchar *>(text.data()),
                    static_cast<gssize>(text.size()));
  gsize len = out.size();
  g_checksum_get_digest(sum, out.data(), &len);
  return out;
}

// "Basic xyz" → "xyz"; the scheme is case-insensitive (RFC 9110 11.1).
bool strip_scheme(const std::string &header, const char *scheme,
                  std::string &rest) {
  const std::size_t n = std::char_traits<char>::length(scheme);
  if (header.size() <= n || header[n] != ' ' ||
      g_ascii_strncasecmp(header.c_str(), scheme, n) != 0)
    return false;
  rest = header.substr(header.find_first_not_of(' ', n) == std::string::npos
                           ? header.size()
                           : header.find_first_not_of(' ', n));
  return !rest.empty();
}

std::string crypt_text(const std::string &password,
                       const std::string &setting) {
  // crypt_data is large; the reentrant form needs no lock.
  auto data = std::make_unique<crypt_data>();
  const char *out = crypt_r(password.c_str(), setting.c_str(), data.get());
  // On failure crypt_r gives NULL or a string starting with '*'.
  return out && out[0] != '*' ? std::string(out) : std::string();
}

}  // namespace

bool AuthSettings::operator==(const AuthSettings &o) const {
  return user == o.user && password_hash == o.password_hash &&
         token == o.token && token_env == o.token_env;
}

bool constant_time_equal(const std::string &a, const std::string &b) {
  const std::size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= x ^ y;
  }
  return diff == 0;
}

bool is_password_hash(const std::string &hash) {
  if (hash.size() < 4 || hash[0] != '$') return false;
  const std::string out = crypt_text("probe", hash);
  // A valid setting gives back a hash in the same method.
  return !out.empty() && out.compare(0, hash.find('$', 1) + 1, hash, 0,
                                     hash.find('$', 1) + 1) == 0;
}

Authenticator::Authenticator(AuthSettings settings)
    : settings_(std::move(settings)) {}

bool Authenticator::allows(const char *authorization) {
  if (!enabled()) return true;
  if (!authorization) return false;
  const std::string header = authorization;
  std::string rest;
  if (bearer() && strip_scheme(header, "Bearer", rest))
    return constant_time_equal(rest, settings_.token);
  if (basic() && strip_scheme(header, "Basic", rest)) return check_basic(rest);
  return false;
}

bool Authenticator::check_basic(const std::string &encoded) {
  const auto digest = sha256(encoded);
  bool known = false;
  for (const auto &a : accepted_)
    known |= constant_time_equal(std::string(a.begin(), a.end()),
                                 std::string(digest.begin(), digest.end()));
  if (known) return true;

  if (encoded.size() > 1024 ||
      encoded.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
          std::string::npos)
    return false;
  gsize len = 0;
  g_autofree guchar *raw = g_base64_decode(encoded.c_str(), &len);
  const std::string decoded(reinterpret_cast<const char *>(raw), len);
  const auto colon = decoded.find(':');
  if (colon == std::string::npos) return false;
  const bool user_ok =
      constant_time_equal(decoded.substr(0, colon), settings_.user);
  // The hash is computed for a wrong user too, so the time does not tell which part was wrong.
  const bool password_ok = constant_time_equal(
      crypt_text(decoded.substr(colon + 1), settings_.password_hash),
      settings_.password_hash);
  if (!user_ok || !password_ok) return false;
  if (accepted_.size() >= kMaxAccepted) accepted_.erase(accepted_.begin());
  accepted_.push_back(digest);
  return true;
}

}  // namespace dvr
