#include "rtsp_url.h"

#include <cctype>

#include "text.h"

namespace dvr {

namespace {

// RFC 3986 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"
bool has_scheme(const std::string &ref) {
  if (ref.empty() || !std::isalpha(static_cast<unsigned char>(ref[0])))
    return false;
  for (size_t i = 1; i < ref.size(); i++) {
    const char c = ref[i];
    if (c == ':') return true;
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' &&
        c != '.')
      return false;
  }
  return false;
}

bool ends_with_slash(const std::string &s) {
  return !s.empty() && s.back() == '/';
}

// RFC 3986 5.2.4.
std::string remove_dot_segments(std::string in) {
  std::string out;
  while (!in.empty()) {
    if (in.compare(0, 3, "../") == 0) {
      in.erase(0, 3);
    } else if (in.compare(0, 2, "./") == 0) {
      in.erase(0, 2);
    } else if (in.compare(0, 3, "/./") == 0) {
      in.erase(0, 2);
    } else if (in == "/.") {
      in = "/";
    } else if (in.compare(0, 4, "/../") == 0 || in == "/..") {
      in = in.size() == 3 ? "/" : in.substr(3);
      const size_t slash = out.rfind('/');
      out.erase(slash == std::string::npos ? 0 : slash);
    } else if (in == "." || in == "..") {
      in.clear();
    } else {
      const size_t next = in.find('/', 1);
      const size_t n = next == std::string::npos ? in.size() : next;
      out += in.substr(0, n);
      in.erase(0, n);
    }
  }
  return out;
}

void split_path_query(const std::string &ref, std::string *path,
                      std::string *query_with_mark) {
  const size_t q = ref.find('?');
  *path = ref.substr(0, q);
  *query_with_mark = q == std::string::npos ? std::string() : ref.substr(q);
}

std::string join(const UrlParts &p) {
  return p.scheme + "://" + p.authority + p.path +
         (p.has_query ? "?" + p.query : std::string());
}

// An absolute URL with its user info removed and its dot segments gone.
std::string normalized(const std::string &url) {
  UrlParts p;
  if (!split_url(url, &p)) return url;
  p.path = remove_dot_segments(p.path);
  if (p.path.empty()) p.path = "/";
  return join(p);
}

// RFC 3986 5.2.2 with strict merging: for header values (Content-Base,
// Content-Location, Location), which are URLs in their own right.
std::string resolve_strict(const std::string &base, const std::string &ref) {
  if (ref.empty()) return without_user_info(base);
  if (has_scheme(ref)) return normalized(ref);
  UrlParts b;
  if (!split_url(base, &b)) return ref;
  if (ref.compare(0, 2, "//") == 0) return normalized(b.scheme + ":" + ref);
  std::string path, query;
  split_path_query(ref, &path, &query);
  UrlParts out = b;
  if (path.empty()) {
    if (!query.empty()) {
      out.has_query = true;
      out.query = query.substr(1);
    }
    return join(out);
  }
  if (path[0] == '/') {
    out.path = remove_dot_segments(path);
  } else {
    const size_t slash = b.path.rfind('/');
    out.path = remove_dot_segments(b.path.substr(0, slash + 1) + path);
  }
  out.has_query = !query.empty();
  out.query = out.has_query ? query.substr(1) : std::string();
  return join(out);
}

}  // namespace

bool split_url(const std::string &url, UrlParts *out) {
  const size_t sep = url.find("://");
  if (sep == std::string::npos || sep == 0 ||
      !has_scheme(url.substr(0, sep + 1)))
    return false;
  UrlParts p;
  for (size_t i = 0; i < sep; i++)
    p.scheme +=
        static_cast<char>(std::tolower(static_cast<unsigned char>(url[i])));
  const size_t auth_begin = sep + 3;
  size_t auth_end = url.find_first_of("/?", auth_begin);
  if (auth_end == std::string::npos) auth_end = url.size();
  std::string authority = url.substr(auth_begin, auth_end - auth_begin);
  // The last '@': a password may hold an unencoded one.
  const size_t at = authority.rfind('@');
  if (at != std::string::npos) authority.erase(0, at + 1);
  if (authority.empty()) return false;
  p.authority = authority;
  const size_t q = url.find('?', auth_end);
  p.path = url.substr(auth_end,
                      (q == std::string::npos ? url.size() : q) - auth_end);
  if (p.path.empty()) p.path = "/";
  if (q != std::string::npos) {
    p.has_query = true;
    p.query = url.substr(q + 1);
  }
  *out = p;
  return true;
}

std::string without_user_info(const std::string &url) {
  UrlParts p;
  if (!split_url(url, &p)) return url;
  // Keep the path exactly as given ("rtsp://h" stays without a slash).
  const size_t sep = url.find("://");
  size_t auth_end = url.find_first_of("/?", sep + 3);
  if (auth_end == std::string::npos) auth_end = url.size();
  return p.scheme + "://" + p.authority + url.substr(auth_end);
}

std::string describe_base(const std::string &request_url,
                          const std::string &content_base,
                          const std::string &content_location) {
  const std::string request = without_user_info(trim(request_url));
  const std::string cb = trim(content_base);
  if (!cb.empty()) return resolve_strict(request, cb);
  const std::string cl = trim(content_location);
  if (!cl.empty()) return resolve_strict(request, cl);
  return request;
}

std::string resolve_control(const std::string &base_url,
                            const std::string &control) {
  const std::string base = without_user_info(base_url);
  const std::string c = trim(control);
  if (c.empty() || c == "*") return base;
  if (has_scheme(c)) return normalized(c);
  UrlParts b;
  if (!split_url(base, &b))
    return base + (ends_with_slash(base) ? "" : "/") + c;
  if (c[0] == '/' || c[0] == '?') return resolve_strict(base, c);
  if (b.has_query) {
    // Dahua's "…?channel=1&subtype=0/" + "trackID=0": the camera wants it appended.
    return base + (ends_with_slash(base) ? "" : "/") + c;
  }
  std::string path, query;
  split_path_query(c, &path, &query);
  UrlParts out = b;
  out.path = remove_dot_segments(
      (ends_with_slash(b.path) ? b.path : b.path + "/") + path);
  out.has_query = !query.empty();
  out.query = out.has_query ? query.substr(1) : std::string();
  return join(out);
}

std::string aggregate_control_url(const std::string &base,
                                  const std::string &session_control) {
  return resolve_control(base, session_control);
}

std::string redirect_target(const std::string &request_url,
                            const std::string &location) {
  const std::string target =
      resolve_strict(without_user_info(request_url), trim(location));
  UrlParts p;
  if (!split_url(target, &p) || (p.scheme != "rtsp" && p.scheme != "rtsps"))
    return {};
  return target;
}

}  // namespace dvr
