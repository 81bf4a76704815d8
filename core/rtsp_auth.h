// RTSP authentication as cameras do it: the challenges of WWW-Authenticate
// (RFC 7235 syntax), Digest answers by RFC 7616 (qop=auth with cnonce and nc,
// MD5 and SHA-256, their -sess forms) and RFC 2069 (no qop, older cameras),
// Basic by RFC 7617, and user info taken from a URL with its percent
// encoding undone (RFC 3986 3.2.1: a password may hold '@', ':' or '%').
//
// Nothing here logs: every string that holds a password stays in memory.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace dvr {

struct AuthChallenge {
  enum class Scheme { kBasic, kDigest, kOther };
  Scheme scheme = Scheme::kOther;
  std::string realm;
  std::string nonce;
  std::string opaque;
  std::string
      algorithm;  // as the camera wrote it ("MD5", "SHA-256", "MD5-sess"); empty: MD5
  bool qop_auth = false;  // the camera offered qop=auth
  bool qop_auth_int = false;
  bool stale = false;
};

// Every challenge of the WWW-Authenticate header values given (a camera may
// send several headers, or several challenges in one separated by commas).
std::vector<AuthChallenge> parse_challenges(
    const std::vector<std::string> &header_values);

// The challenge to answer: the strongest Digest whose algorithm we know
// (SHA-256 before MD5), else Basic. nullptr when there is none.
const AuthChallenge *preferred_challenge(
    const std::vector<AuthChallenge> &challenges);

// Lower-case hexadecimal MD5 or SHA-256 of data; algorithm "MD5" or "SHA-256"
// (case-insensitive, "-sess" ignored). Empty for another algorithm.
std::string digest_hash(const std::string &algorithm, const std::string &data);

// The Authorization header value answering a Digest challenge for one
// request. nc counts the requests made with this nonce, from 1; cnonce is
// the client's random nonce (used only with qop).
std::string digest_authorization(const AuthChallenge &challenge,
                                 const std::string &user,
                                 const std::string &password,
                                 const std::string &method,
                                 const std::string &uri, uint32_t nc,
                                 const std::string &cnonce);

// "Basic " and base64 of user:password.
std::string basic_authorization(const std::string &user,
                                const std::string &password);

// RFC 3986 percent-decoding. False (and out untouched) when a '%' is not
// followed by two hexadecimal digits.
bool percent_decode(const std::string &in, std::string *out);

// The user and password in a URL's user info, percent-decoded. False when
// there is no user info or it does not decode.
bool user_info_of(const std::string &url, std::string *user,
                  std::string *password);

}  // namespace dvr
