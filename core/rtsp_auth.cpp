#include "rtsp_auth.h"

#include <glib.h>

#include <cctype>
#include <cstdio>

namespace dvr {

namespace {

std::string lower(std::string s) {
  for (auto &c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string("!#$%&'*+-.^_`|~").find(c) != std::string::npos;
}

// A small reader of "Digest realm="x", nonce=y, Basic realm=z" (RFC 7235 4.1).
class ChallengeReader {
 public:
  explicit ChallengeReader(const std::string &s) : s_(s) {}

  void skip_space_and_commas() {
    while (
        at_ < s_.size() &&
        (std::isspace(static_cast<unsigned char>(s_[at_])) || s_[at_] == ','))
      at_++;
  }
  void skip_space() {
    while (at_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[at_])))
      at_++;
  }
  bool done() const { return at_ >= s_.size(); }
  size_t position() const { return at_; }
  void seek(size_t at) { at_ = at; }
  char peek() const { return at_ < s_.size() ? s_[at_] : '\0'; }

  std::string token() {
    const size_t begin = at_;
    while (at_ < s_.size() && is_token_char(s_[at_])) at_++;
    return s_.substr(begin, at_ - begin);
  }

  // A token or a quoted string with its escapes undone.
  std::string value() {
    if (peek() != '"') {
      const size_t begin = at_;
      while (at_ < s_.size() && s_[at_] != ',' &&
             !std::isspace(static_cast<unsigned char>(s_[at_])))
        at_++;
      return s_.substr(begin, at_ - begin);
    }
    std::string out;
    at_++;
    while (at_ < s_.size() && s_[at_] != '"') {
      if (s_[at_] == '\\' && at_ + 1 < s_.size()) at_++;
      out += s_[at_++];
    }
    if (at_ < s_.size()) at_++;
    return out;
  }

 private:
  const std::string &s_;
  size_t at_ = 0;
};

void set_param(AuthChallenge *c, const std::string &name,
               const std::string &value) {
  const std::string n = lower(name);
  if (n == "realm")
    c->realm = value;
  else if (n == "nonce")
    c->nonce = value;
  else if (n == "opaque")
    c->opaque = value;
  else if (n == "algorithm")
    c->algorithm = value;
  else if (n == "stale")
    c->stale = lower(value) == "true";
  else if (n == "qop") {
    // A comma-separated list inside one quoted string: "auth,auth-int".
    size_t at = 0;
    while (at <= value.size()) {
      size_t end = value.find(',', at);
      if (end == std::string::npos) end = value.size();
      std::string item = value.substr(at, end - at);
      while (!item.empty() &&
             std::isspace(static_cast<unsigned char>(item.front())))
        item.erase(0, 1);
      while (!item.empty() &&
             std::isspace(static_cast<unsigned char>(item.back())))
        item.pop_back();
      if (lower(item) == "auth") c->qop_auth = true;
      if (lower(item) == "auth-int") c->qop_auth_int = true;
      at = end + 1;
    }
  }
}

bool known_algorithm(const std::string &algorithm) {
  const std::string a = lower(algorithm);
  return a.empty() || a == "md5" || a == "md5-sess" || a == "sha-256" ||
         a == "sha-256-sess";
}

bool is_sess(const std::string &algorithm) {
  const std::string a = lower(algorithm);
  return a.size() > 5 && a.compare(a.size() - 5, 5, "-sess") == 0;
}

std::string quoted(const std::string &s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\r' || c == '\n') continue;  // never a second header line
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::vector<AuthChallenge> parse_challenges(
    const std::vector<std::string> &header_values) {
  std::vector<AuthChallenge> out;
  for (const auto &header : header_values) {
    ChallengeReader r(header);
    AuthChallenge *current = nullptr;
    for (;;) {
      r.skip_space_and_commas();
      if (r.done()) break;
      const size_t start = r.position();
      const std::string name = r.token();
      if (name.empty()) {  // stray character: step over it
        r.seek(start + 1);
        continue;
      }
      r.skip_space();
      if (r.peek() == '=' && current) {
        r.seek(r.position() + 1);
        r.skip_space();
        set_param(current, name, r.value());
        continue;
      }
      // A token not followed by '=' starts a new challenge.
      AuthChallenge c;
      const std::string scheme = lower(name);
      c.scheme = scheme == "digest"  ? AuthChallenge::Scheme::kDigest
                 : scheme == "basic" ? AuthChallenge::Scheme::kBasic
                                     : AuthChallenge::Scheme::kOther;
      out.push_back(c);
      current = &out.back();
    }
  }
  return out;
}

const AuthChallenge *preferred_challenge(
    const std::vector<AuthChallenge> &challenges) {
  const AuthChallenge *best = nullptr;
  int best_rank = 0;
  for (const auto &c : challenges) {
    int rank = 0;
    if (c.scheme == AuthChallenge::Scheme::kDigest &&
        known_algorithm(c.algorithm) && !c.nonce.empty())
      rank = lower(c.algorithm).rfind("sha-256", 0) == 0 ? 3 : 2;
    else if (c.scheme == AuthChallenge::Scheme::kBasic)
      rank = 1;
    if (rank > best_rank) {
      best = &c;
      best_rank = rank;
    }
  }
  return best;
}

std::string digest_hash(const std::string &algorithm, const std::string &data) {
  const std::string a = lower(algorithm);
  GChecksumType type;
  if (a.empty() || a.rfind("md5", 0) == 0)
    type = G_CHECKSUM_MD5;
  else if (a.rfind("sha-256", 0) == 0)
    type = G_CHECKSUM_SHA256;
  else
    return {};
  gchar *hex = g_compute_checksum_for_data(
      type, reinterpret_cast<const guchar *>(data.data()), data.size());
  std::string out = hex ? hex : "";
  g_free(hex);
  return out;
}

std::string digest_authorization(const AuthChallenge &c,
                                 const std::string &user,
                                 const std::string &password,
                                 const std::string &method,
                                 const std::string &uri, uint32_t nc,
                                 const std::string &cnonce) {
  const std::string &alg = c.algorithm;
  const bool use_qop = c.qop_auth || c.qop_auth_int;
  const std::string qop = c.qop_auth ? "auth" : "auth-int";
  char nc_text[9];
  std::snprintf(nc_text, sizeof nc_text, "%08x", nc);
  std::string ha1 = digest_hash(alg, user + ":" + c.realm + ":" + password);
  if (is_sess(alg)) ha1 = digest_hash(alg, ha1 + ":" + c.nonce + ":" + cnonce);
  // auth-int hashes the body; an RTSP client's requests have none.
  const std::string ha2 =
      use_qop && qop == "auth-int"
          ? digest_hash(alg, method + ":" + uri + ":" + digest_hash(alg, ""))
          : digest_hash(alg, method + ":" + uri);
  const std::string response =
      use_qop ? digest_hash(alg, ha1 + ":" + c.nonce + ":" + nc_text + ":" +
                                     cnonce + ":" + qop + ":" + ha2)
              : digest_hash(alg, ha1 + ":" + c.nonce + ":" + ha2);
  std::string out = "Digest username=" + quoted(user) +
                    ", realm=" + quoted(c.realm) +
                    ", nonce=" + quoted(c.nonce) + ", uri=" + quoted(uri) +
                    ", response=" + quoted(response);
  if (!alg.empty()) out += ", algorithm=" + alg;
  if (!c.opaque.empty()) out += ", opaque=" + quoted(c.opaque);
  if (use_qop)
    out += ", qop=" + qop + ", nc=" + nc_text + ", cnonce=" + quoted(cnonce);
  return out;
}

std::string basic_authorization(const std::string &user,
                                const std::string &password) {
  const std::string pair = user + ":" + password;
  gchar *b64 = g_base64_encode(reinterpret_cast<const guchar *>(pair.data()),
                               pair.size());
  std::string out = std::string("Basic ") + b64;
  g_free(b64);
  return out;
}

bool percent_decode(const std::string &in, std::string *out) {
  std::string decoded;
  for (size_t i = 0; i < in.size(); i++) {
    if (in[i] != '%') {
      decoded += in[i];
      continue;
    }
    if (i + 2 >= in.size() ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2])))
      return false;
    decoded += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
    i += 2;
  }
  *out = std::move(decoded);
  return true;
}

bool user_info_of(const std::string &url, std::string *user,
                  std::string *password) {
  const size_t sep = url.find("://");
  if (sep == std::string::npos) return false;
  const size_t begin = sep + 3;
  size_t end = url.find_first_of("/?", begin);
  if (end == std::string::npos) end = url.size();
  const size_t at = url.rfind('@', end - 1);
  if (at == std::string::npos || at < begin) return false;
  const std::string info = url.substr(begin, at - begin);
  const size_t colon = info.find(':');
  std::string u, p;
  if (!percent_decode(info.substr(0, colon), &u)) return false;
  if (colon != std::string::npos && !percent_decode(info.substr(colon + 1), &p))
    return false;
  *user = std::move(u);
  *password = std::move(p);
  return true;
}

}  // namespace dvr
