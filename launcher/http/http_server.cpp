#include "http/http_server.h"

#include <glib.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "http/file_response.h"
#include "log.h"
#include "http/metrics.h"
#include "http/range_playlist.h"
#include "timeline.h"

namespace dvr {
namespace {

// A clip is a download, not an archive export: an hour at most, two at once,
// so that remuxing never competes with recording for the CPU.
constexpr std::int64_t kMaxClipUs = std::int64_t{3600} * G_USEC_PER_SEC;
constexpr unsigned kMaxClips = 2;

void respond_with_text(SoupServerMessage *msg, guint status,
                       const std::string &text) {
  soup_server_message_set_status(msg, status, nullptr);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                               "Cache-Control", "no-cache");
  const std::string body = text + "\n";
  soup_server_message_set_response(msg, "text/plain; charset=utf-8",
                                   SOUP_MEMORY_COPY, body.data(), body.size());
}

const char *query_value(GHashTable *query, const char *key) {
  return query ? static_cast<const char *>(g_hash_table_lookup(query, key))
               : nullptr;
}

// ^[A-Za-z0-9][A-Za-z0-9._-]*$: no hidden file, no "..", no separator of any kind.
bool is_safe_name(const std::string &s) {
  if (s.empty() || !g_ascii_isalnum(s[0])) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return g_ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

bool ends_with(const std::string &s, const char *suffix) {
  const std::size_t n = std::strlen(suffix);
  return s.size() > n && s.compare(s.size() - n, n, suffix) == 0;
}

std::string extension(const std::string &name) {
  auto dot = name.rfind('.');
  return dot == std::string::npos ? std::string() : name.substr(dot + 1);
}

// What the player folder may serve, by extension. Anything else (package.json,
// lock files, sources) is not found.
const char *web_content_type(const std::string &name, bool vendor) {
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
std::optional<std::vector<std::string>> split_path(const char *raw) {
  if (!raw || raw[0] != '/') return std::nullopt;
  std::vector<std::string> parts;
  if (raw[1] == '\0') return parts;
  g_auto(GStrv) pieces = g_strsplit(raw + 1, "/", -1);
  for (char **p = pieces; *p; ++p) {
    g_autofree char *decoded = g_uri_unescape_string(*p, "/");
    if (!decoded || !*decoded) return std::nullopt;
    parts.emplace_back(decoded);
  }
  return parts;
}

std::string join_path(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto &p : parts) {
    if (!out.empty() && out.back() != '/') out += '/';
    out += p;
  }
  return out;
}

}  // namespace

HttpServer::HttpServer(Options options)
    : options_(std::move(options)),
      auth_(options_.auth),
      cors_(options_.cors_origins),
      catalog_(options_.storage_dir),
      archive_(options_.storage_dir, catalog_),
      clips_(kMaxClips) {
  server_ = soup_server_new("server-header", "stream-dvr", "raw-paths", TRUE,
                            nullptr);
  soup_server_add_handler(server_, nullptr, &HttpServer::on_request, this,
                          nullptr);
  g_signal_connect(server_, "request-finished",
                   G_CALLBACK(&HttpServer::on_request_finished), this);
  gate_ = std::make_unique<ConnectionGate>(
      server_, ConnectionGate::Options{options_.limits, options_.tls,
                                       options_.reserved_descriptors,
                                       options_.auth.enabled()});
}

void HttpServer::on_request_finished(SoupServer *, SoupServerMessage *msg,
                                     gpointer self) {
  const guint status = soup_server_message_get_status(msg);
  // A client that left before an answer has no status to count.
  if (status >= 100 && status < 600)
    static_cast<HttpServer *>(self)->answered_[status]++;
}

HttpServer::~HttpServer() {
  gate_.reset();
  soup_server_disconnect(server_);
  g_object_unref(server_);
}

bool HttpServer::listen(const ListenAddress &address, std::string &error) {
  return gate_->listen(address, error);
}

void HttpServer::on_request(SoupServer *, SoupServerMessage *msg,
                            const char *path, GHashTable *query,
                            gpointer self) {
  // No exception may unwind into libsoup.
  try {
    static_cast<HttpServer *>(self)->handle(msg, path, query);
  } catch (const std::exception &e) {
    log_line(std::string("http: internal error: ") + e.what());
    respond_with_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR);
  } catch (...) {
    respond_with_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR);
  }
}

std::vector<CameraStatus> HttpServer::statuses() {
  std::vector<CameraStatus> out = options_.statuses();
  for (auto &c : out) {
    const auto segments = catalog_.segments(c.name);
    c.recorded = recorded_span(*segments);
    c.gaps = find_gaps(*segments);
    if (const auto extent = archive_.extent(c.name))
      c.archive = WallClockSpan{extent->start_us, extent->end_us};
  }
  return out;
}

std::optional<CameraStatus> HttpServer::status_of(const std::string &camera) {
  if (!is_valid_camera_name(camera) || !options_.has_camera(camera))
    return std::nullopt;
  for (auto &c : options_.statuses())
    if (c.name == camera) return c;
  return std::nullopt;
}

void HttpServer::serve_range_playlist(SoupServerMessage *msg,
                                      const std::string &camera,
                                      GHashTable *query) {
  const auto status = status_of(camera);
  if (!status)
    return respond_with_text(msg, SOUP_STATUS_NOT_FOUND,
                             "no camera named " + camera);
  std::string error;
  const auto range = parse_time_range(query_value(query, "start"),
                                      query_value(query, "end"), error);
  if (!range) return respond_with_text(msg, SOUP_STATUS_BAD_REQUEST, error);
  const std::string text = render_range_playlist(
      archive_.segments(camera, range->start_us, range->end_us), *range,
      status->segment_duration);
  if (text.empty())
    return respond_with_text(msg, SOUP_STATUS_NOT_FOUND,
                             "nothing recorded in that range");
  soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                               "Cache-Control", "no-cache");
  soup_server_message_set_response(msg, "application/vnd.apple.mpegurl",
                                   SOUP_MEMORY_COPY, text.data(), text.size());
  soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
}

void HttpServer::serve_clip(SoupServerMessage *msg, const std::string &camera,
                            GHashTable *query) {
  if (!status_of(camera))
    return respond_with_text(msg, SOUP_STATUS_NOT_FOUND,
                             "no camera named " + camera);
  std::string error;
  const auto range = parse_time_range(query_value(query, "start"),
                                      query_value(query, "end"), error);
  if (!range) return respond_with_text(msg, SOUP_STATUS_BAD_REQUEST, error);
  if (range->length_us() > kMaxClipUs)
    return respond_with_text(msg, SOUP_STATUS_BAD_REQUEST,
                             "a clip is at most one hour long");
  // Where the clock stepped back, a time recorded twice is cut from the later run.
  const auto chosen = latest_run_per_label(
      archive_.segments(camera, range->start_us, range->end_us), 1000000);
  if (chosen.empty())
    return respond_with_text(msg, SOUP_STATUS_NOT_FOUND,
                             "nothing recorded in that range");
  if (clips_.full()) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                 "Retry-After", "10");
    return respond_with_text(
        msg, SOUP_STATUS_SERVICE_UNAVAILABLE,
        "too many clips are being made at once; try again shortly");
  }
  SoupMessageHeaders *response = soup_server_message_get_response_headers(msg);
  const std::string disposition = "attachment; filename=\"" + camera + "-" +
                                  compact_utc(range->start_us) + ".mp4\"";
  soup_message_headers_replace(response, "Content-Disposition",
                               disposition.c_str());
  soup_message_headers_replace(response, "Content-Type", "video/mp4");
  soup_message_headers_replace(response, "Cache-Control", "no-store");
  soup_message_headers_replace(response, "X-Content-Type-Options", "nosniff");
  if (std::strcmp(soup_server_message_get_method(msg), "HEAD") == 0) {
    soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
    return;
  }
  clips_.start(msg, ClipRequest{catalog_.folder(camera),
                                {chosen.begin(), chosen.end()},
                                *range});
}

bool HttpServer::cross_origin(SoupServerMessage *msg) {
  if (!cors_.enabled()) return false;
  SoupMessageHeaders *request = soup_server_message_get_request_headers(msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers(msg);
  // The answer depends on Origin whether or not this one is allowed: caches must know.
  soup_message_headers_append(response, "Vary", "Origin");
  const char *origin = soup_message_headers_get_one(request, "Origin");
  if (!cors_.allows(origin)) return false;
  soup_message_headers_replace(response, "Access-Control-Allow-Origin", origin);
  soup_message_headers_replace(
      response, "Access-Control-Expose-Headers",
      "Content-Length, Content-Range, Content-Disposition, ETag, Last-Modified");
  const bool preflight =
      std::strcmp(soup_server_message_get_method(msg), "OPTIONS") == 0 &&
      soup_message_headers_get_one(request, "Access-Control-Request-Method");
  if (!preflight) return false;
  // A preflight carries no credentials by design: it is answered before authentication.
  soup_message_headers_replace(response, "Access-Control-Allow-Methods",
                               "GET, HEAD");
  soup_message_headers_replace(
      response, "Access-Control-Allow-Headers",
      "Authorization, Range, If-None-Match, If-Modified-Since, If-Range");
  soup_message_headers_replace(response, "Access-Control-Max-Age", "600");
  soup_message_headers_replace(response, "Cache-Control", "no-cache");
  soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, nullptr);
  return true;
}

bool HttpServer::authenticate(SoupServerMessage *msg) {
  const char *header = soup_message_headers_get_one(
      soup_server_message_get_request_headers(msg), "Authorization");
  if (auth_.allows(header)) return true;
  SoupMessageHeaders *response = soup_server_message_get_response_headers(msg);
  if (auth_.basic())
    soup_message_headers_append(
        response, "WWW-Authenticate",
        "Basic realm=\"Stream DVR\", charset=\"UTF-8\"");
  if (auth_.bearer())
    soup_message_headers_append(response, "WWW-Authenticate",
                                "Bearer realm=\"Stream DVR\"");
  respond_with_status(msg, SOUP_STATUS_UNAUTHORIZED);
  return false;
}

void HttpServer::handle(SoupServerMessage *msg, const char *path,
                        GHashTable *query) {
  if (cross_origin(msg)) return;
  if (!authenticate(msg)) return;
  SoupMessageHeaders *request = soup_server_message_get_request_headers(msg);
  std::optional<std::string> range;
  if (const char *r = soup_message_headers_get_one(request, "Range")) range = r;
  // Range is ours alone: see respond_with_file.
  soup_message_headers_remove(request, "Range");
  const char *range_header = range ? range->c_str() : nullptr;

  const char *method = soup_server_message_get_method(msg);
  if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0) {
    soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                 "Allow", "GET, HEAD");
    respond_with_status(msg, SOUP_STATUS_METHOD_NOT_ALLOWED);
    return;
  }

  const auto parts = split_path(path);
  if (!parts) {
    respond_with_status(msg, SOUP_STATUS_BAD_REQUEST);
    return;
  }
  const auto &p = *parts;

  if (p.empty()) {
    respond_with_file(msg, join_path({options_.web_dir, "index.html"}),
                      "text/html; charset=utf-8", "no-cache", range_header,
                      FileBody::CopiedWhenSmall);
    return;
  }

  if (p.size() == 2 && p[0] == "api" && p[1] == "cameras") {
    const std::string body = cameras_json(statuses());
    soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                 "Cache-Control", "no-cache");
    soup_server_message_set_response(msg, "application/json", SOUP_MEMORY_COPY,
                                     body.data(), body.size());
    soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
    return;
  }

  if (p.size() == 1 && p[0] == "metrics") {
    const std::string body =
        render_metrics(statuses(), answered_, g_get_real_time()) +
        gate_->metrics();
    soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                                 "Cache-Control", "no-cache");
    soup_server_message_set_response(
        msg, "text/plain; version=0.0.4; charset=utf-8", SOUP_MEMORY_COPY,
        body.data(), body.size());
    soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
    return;
  }

  if (p.size() == 4 && p[0] == "api" && p[1] == "cameras" &&
      p[3] == "clip.mp4") {
    serve_clip(msg, p[2], query);
    return;
  }

  if (p.size() == 3 && p[0] == "hls" && p[2] == "range.m3u8") {
    serve_range_playlist(msg, p[1], query);
    return;
  }

  if (p.size() == 4 && p[0] == "api" && p[1] == "cameras" && p[3] == "ranges") {
    serve_ranges(msg, p[2], query);
    return;
  }

  // The archive: /hls/<camera>/YYYY-MM-DD/HH/index.m3u8 and the segments beside it.
  if (p.size() == 5 && p[0] == "hls") {
    int64_t hour = 0;
    uint64_t sequence = 0;
    if (!is_valid_camera_name(p[1]) || !options_.has_camera(p[1]) ||
        !parse_hour_folder(p[2] + "/" + p[3], &hour)) {
      respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
    } else if (p[4] == "index.m3u8") {
      serve_hour_page(msg, p[1], hour);
    } else if (parse_segment_filename(p[4], &sequence)) {
      respond_with_file(
          msg, join_path({options_.storage_dir, p[1], p[2], p[3], p[4]}),
          "video/mp2t", "max-age=31536000, immutable", range_header,
          FileBody::Mapped);
    } else {
      respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
    }
    return;
  }

  if (p[0] == "hls") {
    if (p.size() != 3 || !is_valid_camera_name(p[1]) ||
        !options_.has_camera(p[1]) || !is_safe_name(p[2])) {
      respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
      return;
    }
    const std::string file = join_path({options_.storage_dir, p[1], p[2]});
    if (ends_with(p[2], ".m3u8") && !range_header &&
        serve_compressed_playlist(msg, file)) {
      return;
    } else if (ends_with(p[2], ".m3u8")) {
      // A live playlist changes every segment: never let a cache keep it.
      respond_with_file(msg, file, "application/vnd.apple.mpegurl", "no-cache",
                        range_header, FileBody::CopiedWhenSmall);
    } else if (ends_with(p[2], ".ts")) {
      // A segment's name is never reused, so its bytes never change: mapped
      // whatever its size, so that viewers never copy it into memory.
      respond_with_file(msg, file, "video/mp2t", "max-age=31536000, immutable",
                        range_header, FileBody::Mapped);
    } else {
      respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
    }
    return;
  }

  if (p[0] == "vendor" && p.size() >= 2) {
    std::string file =
        join_path({options_.web_dir, "node_modules/video.js/dist"});
    for (std::size_t i = 1; i < p.size(); ++i) {
      if (!is_safe_name(p[i])) {
        respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
        return;
      }
      file = join_path({file, p[i]});
    }
    const char *type = web_content_type(p.back(), true);
    if (!type) {
      respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
      return;
    }
    respond_with_file(msg, file, type, "max-age=86400", range_header,
                      FileBody::CopiedWhenSmall);
    return;
  }

  if (p.size() == 1 && is_safe_name(p[0])) {
    if (const char *type = web_content_type(p[0], false)) {
      respond_with_file(msg, join_path({options_.web_dir, p[0]}), type,
                        "no-cache", range_header, FileBody::CopiedWhenSmall);
      return;
    }
  }
  respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
}

}  // namespace dvr
