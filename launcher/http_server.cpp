#include "http_server.h"

#include <glib.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "file_response.h"
#include "log.h"

namespace dvr {
namespace {

// ^[A-Za-z0-9][A-Za-z0-9._-]*$: no hidden file, no "..", no separator of any kind.
bool is_safe_name(const std::string& s) {
  if (s.empty() || !g_ascii_isalnum(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return g_ascii_isalnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool ends_with(const std::string& s, const char* suffix) {
  const std::size_t n = std::strlen(suffix);
  return s.size() > n && s.compare(s.size() - n, n, suffix) == 0;
}

std::string extension(const std::string& name) {
  auto dot = name.rfind('.');
  return dot == std::string::npos ? std::string() : name.substr(dot + 1);
}

// What the player folder may serve, by extension. Anything else (package.json,
// lock files, sources) is not found.
const char* web_content_type(const std::string& name, bool vendor) {
  const std::string ext = extension(name);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "woff") return "font/woff";
  if (ext == "ttf") return "font/ttf";
  if (ext == "eot") return "application/vnd.ms-fontobject";
  if (vendor && (ext == "json" || ext == "map")) return "application/json";
  return nullptr;
}

// Splits a still percent-encoded path into decoded components. With
// "raw-paths" set libsoup leaves decoding to us: it would otherwise turn %2F
// into a separator. A component that decodes to a slash or NUL, or an empty
// component, makes the path invalid.
std::optional<std::vector<std::string>> split_path(const char* raw) {
  if (!raw || raw[0] != '/') return std::nullopt;
  std::vector<std::string> parts;
  if (raw[1] == '\0') return parts;
  g_auto(GStrv) pieces = g_strsplit(raw + 1, "/", -1);
  for (char** p = pieces; *p; ++p) {
    g_autofree char* decoded = g_uri_unescape_string(*p, "/");
    if (!decoded || !*decoded) return std::nullopt;
    parts.emplace_back(decoded);
  }
  return parts;
}

std::string join_path(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty() && out.back() != '/') out += '/';
    out += p;
  }
  return out;
}

}  // namespace

HttpServer::HttpServer(Options options) : options_(std::move(options)) {
  server_ = soup_server_new("server-header", "stream-dvr", "raw-paths", TRUE, nullptr);
  soup_server_add_handler(server_, nullptr, &HttpServer::on_request, this, nullptr);
}

HttpServer::~HttpServer() {
  soup_server_disconnect(server_);
  g_object_unref(server_);
}

bool HttpServer::listen(const ListenAddress& address, std::string& error) {
  g_autoptr(GError) err = nullptr;
  gboolean ok;
  if (address.host == "localhost") {
    // Both 127.0.0.1 and ::1, whichever a browser tries first.
    ok = soup_server_listen_local(server_, address.port, static_cast<SoupServerListenOptions>(0), &err);
  } else {
    g_autoptr(GSocketAddress) sa = g_inet_socket_address_new_from_string(address.host.c_str(), address.port);
    if (!sa) {
      error = "not an IP address: " + address.host;
      return false;
    }
    ok = soup_server_listen(server_, sa, static_cast<SoupServerListenOptions>(0), &err);
  }
  if (!ok) {
    error = std::string("cannot listen on ") + address.to_string() + ": " + err->message;
    return false;
  }
  return true;
}

void HttpServer::on_request(SoupServer*, SoupServerMessage* msg, const char* path, GHashTable*, gpointer self) {
  // No exception may unwind into libsoup.
  try {
    static_cast<HttpServer*>(self)->handle(msg, path);
  } catch (const std::exception& e) {
    log_line(std::string("http: internal error: ") + e.what());
    respond_with_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR);
  } catch (...) {
    respond_with_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR);
  }
}

void HttpServer::handle(SoupServerMessage* msg, const char* path) {
  SoupMessageHeaders* request = soup_server_message_get_request_headers(msg);
  std::optional<std::string> range;
  if (const char* r = soup_message_headers_get_one(request, "Range")) range = r;
  // Range is ours alone: see respond_with_file.
  soup_message_headers_remove(request, "Range");
  const char* range_header = range ? range->c_str() : nullptr;

  const char* method = soup_server_message_get_method(msg);
  if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", "GET, HEAD");
    respond_with_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED);
    return;
  }

  const auto parts = split_path(path);
  if (!parts) {
    respond_with_status(msg, SOUP_STATUS_BAD_REQUEST);
    return;
  }
  const auto& p = *parts;

  if (p.empty()) {
    respond_with_file(msg, join_path({options_.web_dir, "index.html"}), "text/html; charset=utf-8", "no-cache",
                      range_header);
    return;
  }

  if (p.size() == 2 && p[0] == "api" && p[1] == "cameras") {
    const std::string body = cameras_json(options_.statuses());
    soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Cache-Control", "no-cache");
    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY, body.data(), body.size());
    soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
    return;
  }

  if (p[0] == "hls") {
    if (p.size() != 3 || !is_valid_camera_name(p[1]) || !options_.has_camera(p[1]) || !is_safe_name(p[2])) {
      respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
      return;
    }
    const std::string file = join_path({options_.storage_dir, p[1], p[2]});
    if (ends_with(p[2], ".m3u8")) {
      // A live playlist changes every segment: never let a cache keep it.
      respond_with_file(msg, file, "application/vnd.apple.mpegurl", "no-cache", range_header);
    } else if (ends_with(p[2], ".ts")) {
      // A segment's name is never reused, so its bytes never change.
      respond_with_file(msg, file, "video/mp2t", "max-age=31536000, immutable", range_header);
    } else {
      respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
    }
    return;
  }

  if (p[0] == "vendor" && p.size() >= 2) {
    std::string file = join_path({options_.web_dir, "node_modules/video.js/dist"});
    for (std::size_t i = 1; i < p.size(); ++i) {
      if (!is_safe_name(p[i])) {
        respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
        return;
      }
      file = join_path({file, p[i]});
    }
    const char* type = web_content_type(p.back(), true);
    if (!type) {
      respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
      return;
    }
    respond_with_file(msg, file, type, "max-age=86400", range_header);
    return;
  }

  if (p.size() == 1 && is_safe_name(p[0])) {
    if (const char* type = web_content_type(p[0], false)) {
      respond_with_file(msg, join_path({options_.web_dir, p[0]}), type, "no-cache", range_header);
      return;
    }
  }
  respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
}

}  // namespace dvr
