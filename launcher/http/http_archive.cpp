// The archive over HTTP: hour pages, the spans of a period, and the live
// playlist compressed. Part of HttpServer, on its main context.
#include <gio/gio.h>
#include <sys/stat.h>

#include <cinttypes>
#include <cstring>
#include <optional>

#include "http/archive_catalog.h"
#include "http/camera_status.h"
#include "http/conditional.h"
#include "http/file_response.h"
#include "http/http_server.h"
#include "http/time_range.h"

namespace dvr {

namespace {

void respond_with_body(SoupServerMessage *msg, guint status, const char *type,
                       const std::string &body) {
  soup_server_message_set_response(msg, type, SOUP_MEMORY_COPY, body.data(),
                                   body.size());
  soup_server_message_set_status(msg, status, nullptr);
}

void respond_with_plain(SoupServerMessage *msg, guint status,
                        const std::string &text) {
  respond_with_body(msg, status, "text/plain; charset=utf-8", text + "\n");
}

bool accepts_gzip(SoupServerMessage *msg) {
  const char *accept = soup_message_headers_get_list(
      soup_server_message_get_request_headers(msg), "Accept-Encoding");
  if (!accept) return false;
  // "gzip;q=0" refuses it; any other mention takes it.
  g_auto(GStrv) codings = g_strsplit(accept, ",", -1);
  for (char **c = codings; *c; ++c) {
    g_strstrip(*c);
    if (g_ascii_strncasecmp(*c, "gzip", 4) != 0 ||
        ((*c)[4] != '\0' && (*c)[4] != ';'))
      continue;
    const char *q = std::strstr(*c, "q=");
    return !q || g_ascii_strtod(q + 2, nullptr) > 0;
  }
  return false;
}

std::string gzip(const std::string &plain) {
  g_autoptr(GZlibCompressor) compressor =
      g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  std::string out;
  out.resize(plain.size() / 4 + 1024);
  size_t in_at = 0, out_at = 0;
  for (;;) {
    gsize read = 0, written = 0;
    g_autoptr(GError) error = nullptr;
    const GConverterResult r = g_converter_convert(
        G_CONVERTER(compressor), plain.data() + in_at, plain.size() - in_at,
        out.data() + out_at, out.size() - out_at, G_CONVERTER_INPUT_AT_END,
        &read, &written, &error);
    in_at += read;
    out_at += written;
    if (r == G_CONVERTER_FINISHED) break;
    if (r == G_CONVERTER_ERROR) {
      if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_NO_SPACE)) return {};
      out.resize(out.size() * 2);
    } else if (out_at == out.size()) {
      out.resize(out.size() * 2);
    }
  }
  out.resize(out_at);
  return out;
}

std::string span_list_json(const std::vector<Span> &spans) {
  std::string out = "[";
  for (size_t i = 0; i < spans.size(); i++) {
    if (i) out += ", ";
    out += "{\"start\": " + json_string(iso8601_utc(spans[i].start_us)) +
           ", \"end\": " + json_string(iso8601_utc(spans[i].end_us)) + "}";
  }
  return out + "]";
}

}  // namespace

void HttpServer::serve_hour_page(SoupServerMessage *msg,
                                 const std::string &camera,
                                 int64_t hour_start) {
  const auto status = status_of(camera);
  if (!status) return respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
  const auto hour = archive_.hour(camera, hour_start);
  const std::deque<Segment> &segments = *hour;
  if (segments.empty())
    return respond_with_plain(msg, SOUP_STATUS_NOT_FOUND,
                              "nothing recorded in that hour");
  // Over once the recording has moved past it, or long after it ended
  // (a camera that stopped in it): then the page never changes again.
  const auto live = catalog_.segments(camera);
  const int64_t hour_end = hour_start + kHourUs;
  const bool moved_on = !live->empty() && live->back().start_us >= hour_end;
  const bool over =
      moved_on || g_get_real_time() >= hour_end + 10 * 60 * G_USEC_PER_SEC;
  SoupMessageHeaders *response = soup_server_message_get_response_headers(msg);
  char etag[96];
  std::snprintf(etag, sizeof etag, "\"%" PRIu64 "-%" PRIu64 "-%zu%s\"",
                segments.front().sequence, segments.back().sequence,
                segments.size(), over ? "" : "-open");
  soup_message_headers_replace(response, "ETag", etag);
  if (over) {
    soup_message_headers_replace(response, "Cache-Control",
                                 "public, max-age=31536000, immutable");
  } else {
    soup_message_headers_replace(response, "Cache-Control", "no-cache");
  }
  const char *if_none_match = soup_message_headers_get_one(
      soup_server_message_get_request_headers(msg), "If-None-Match");
  if (if_none_match && std::strcmp(if_none_match, etag) == 0) {
    soup_server_message_set_status(msg, SOUP_STATUS_NOT_MODIFIED, nullptr);
    return;
  }
  respond_with_body(
      msg, SOUP_STATUS_OK, "application/vnd.apple.mpegurl",
      render_hour_page(segments, hour_start, over, status->segment_duration));
}

void HttpServer::serve_ranges(SoupServerMessage *msg, const std::string &camera,
                              GHashTable *query) {
  if (!status_of(camera))
    return respond_with_plain(msg, SOUP_STATUS_NOT_FOUND,
                              "no camera named " + camera);
  int64_t start = INT64_MIN, end = INT64_MAX;
  const char *start_text =
      query ? static_cast<const char *>(g_hash_table_lookup(query, "start"))
            : nullptr;
  const char *end_text =
      query ? static_cast<const char *>(g_hash_table_lookup(query, "end"))
            : nullptr;
  const char *resolution_text =
      query
          ? static_cast<const char *>(g_hash_table_lookup(query, "resolution"))
          : nullptr;
  if (start_text || end_text) {
    std::string error;
    const auto range = parse_time_range(start_text, end_text, error);
    if (!range) return respond_with_plain(msg, SOUP_STATUS_BAD_REQUEST, error);
    start = range->start_us;
    end = range->end_us;
  }
  double resolution_s = 0;
  if (resolution_text) {
    char *rest = nullptr;
    resolution_s = g_ascii_strtod(resolution_text, &rest);
    if (!rest || *rest || !(resolution_s >= 0) || resolution_s > 366.0 * 86400)
      return respond_with_plain(
          msg, SOUP_STATUS_BAD_REQUEST,
          "resolution must be seconds from 0 to a year, got \"" +
              std::string(resolution_text) + "\"");
  }
  const auto spans = archive_.spans(
      camera, start, end, static_cast<int64_t>(resolution_s * G_USEC_PER_SEC));
  std::string body = "{\"camera\": " + json_string(camera);
  body +=
      ", \"start\": " + (start == INT64_MIN ? std::string("null")
                                            : json_string(iso8601_utc(start)));
  body += ", \"end\": " + (end == INT64_MAX ? std::string("null")
                                            : json_string(iso8601_utc(end)));
  char resolution[32];
  std::snprintf(resolution, sizeof resolution, "%g", resolution_s);
  body += ", \"resolution\": " + std::string(resolution);
  body += ", \"spans\": " + span_list_json(spans) + "}\n";
  soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                               "Cache-Control", "no-cache");
  respond_with_body(msg, SOUP_STATUS_OK, "application/json", body);
}

bool HttpServer::serve_compressed_playlist(SoupServerMessage *msg,
                                           const std::string &file) {
  if (!accepts_gzip(msg)) return false;
  struct stat st;
  if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  const int64_t mtime_ns =
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  CompressedPlaylist &c = compressed_[file];
  if (c.ino != st.st_ino || c.size != st.st_size || c.mtime_ns != mtime_ns ||
      c.gzip.empty()) {
    std::string plain;
    if (!read_small_file(file, &plain, 256u << 20)) return false;
    c.gzip = gzip(plain);
    c.ino = st.st_ino;
    c.size = st.st_size;
    c.mtime_ns = mtime_ns;
    if (c.gzip.empty()) return false;
  }
  SoupMessageHeaders *response = soup_server_message_get_response_headers(msg);
  soup_message_headers_replace(response, "Cache-Control", "no-cache");
  soup_message_headers_append(response, "Vary", "Accept-Encoding");
  // The same validators as the plain file, marked as another representation of it.
  Validators v = validators_for(
      st.st_ino, static_cast<std::uint64_t>(st.st_size), mtime_ns);
  v.etag.insert(v.etag.size() - 1, "-gzip");
  soup_message_headers_replace(response, "ETag", v.etag.c_str());
  g_autoptr(GDateTime) modified = g_date_time_new_from_unix_utc(v.mtime_s);
  g_autofree char *http_date =
      modified ? g_date_time_format(modified, "%a, %d %b %Y %H:%M:%S GMT")
               : nullptr;
  if (http_date)
    soup_message_headers_replace(response, "Last-Modified", http_date);
  const char *if_none_match = soup_message_headers_get_one(
      soup_server_message_get_request_headers(msg), "If-None-Match");
  if (if_none_match && is_not_modified(if_none_match, std::nullopt, v)) {
    soup_server_message_set_status(msg, SOUP_STATUS_NOT_MODIFIED, nullptr);
    return true;
  }
  soup_message_headers_replace(response, "Content-Encoding", "gzip");
  if (std::strcmp(soup_server_message_get_method(msg), "HEAD") == 0) {
    soup_message_headers_set_content_length(response, c.gzip.size());
    soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
    return true;
  }
  respond_with_body(msg, SOUP_STATUS_OK, "application/vnd.apple.mpegurl",
                    c.gzip);
  return true;
}

}  // namespace dvr
