#include "http/file_response.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "http/byte_range.h"
#include "http/conditional.h"
#include "http/file_body.h"

namespace dvr {
namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

std::optional<std::int64_t> http_date(SoupMessageHeaders *headers,
                                      const char *name) {
  const char *text = soup_message_headers_get_one(headers, name);
  if (!text) return std::nullopt;
  g_autoptr(GDateTime) t = soup_date_time_new_from_http_string(text);
  if (!t) return std::nullopt;
  return g_date_time_to_unix(t);
}

}  // namespace

void respond_with_status(SoupServerMessage *msg, guint status) {
  const char *phrase = soup_status_get_phrase(status);
  g_autofree char *text =
      g_strdup_printf("%u %s\n", status, phrase ? phrase : "");
  soup_server_message_set_status(msg, status, nullptr);
  soup_message_headers_replace(soup_server_message_get_response_headers(msg),
                               "Cache-Control", "no-cache");
  soup_server_message_set_response(msg, "text/plain; charset=utf-8",
                                   SOUP_MEMORY_COPY, text, strlen(text));
}

void respond_with_file(SoupServerMessage *msg, const std::string &path,
                       const char *content_type, const char *cache_control,
                       const char *range_header, FileBody how) {
  Fd file{open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)};
  struct stat st;
  if (file.fd < 0 || fstat(file.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    respond_with_status(msg, SOUP_STATUS_NOT_FOUND);
    return;
  }
  SoupMessageHeaders *request = soup_server_message_get_request_headers(msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers(msg);
  const Validators validators =
      validators_for(st.st_ino, st.st_size,
                     static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 +
                         st.st_mtim.tv_nsec);
  g_autoptr(GDateTime) mtime =
      g_date_time_new_from_unix_utc(validators.mtime_s);
  g_autofree char *last_modified =
      soup_date_time_to_string(mtime, SOUP_DATE_HTTP);
  soup_message_headers_replace(response, "ETag", validators.etag.c_str());
  soup_message_headers_replace(response, "Last-Modified", last_modified);
  soup_message_headers_replace(response, "Cache-Control", cache_control);
  if (is_not_modified(soup_message_headers_get_one(request, "If-None-Match"),
                      http_date(request, "If-Modified-Since"), validators)) {
    soup_server_message_set_status(msg, SOUP_STATUS_NOT_MODIFIED, nullptr);
    return;
  }
  // A part of a file that changed since the client's copy would not fit it.
  if (!range_still_valid(soup_message_headers_get_one(request, "If-Range"),
                         http_date(request, "If-Range"), validators))
    range_header = nullptr;

  g_autoptr(GBytes) whole = file_body(file.fd, st.st_size, how);
  if (!whole) {
    respond_with_status(msg, SOUP_STATUS_INTERNAL_SERVER_ERROR);
    return;
  }
  const std::uint64_t size = g_bytes_get_size(whole);

  const ByteRange range = parse_byte_range(range_header, size);

  soup_message_headers_replace(response, "Accept-Ranges", "bytes");
  soup_message_headers_replace(response, "X-Content-Type-Options", "nosniff");
  SoupMessageBody *body = soup_server_message_get_response_body(msg);

  switch (range.kind) {
    case ByteRange::Kind::Unsatisfiable: {
      g_autofree char *value =
          g_strdup_printf("bytes */%" G_GUINT64_FORMAT, size);
      soup_message_headers_replace(response, "Content-Range", value);
      soup_server_message_set_status(
          msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, nullptr);
      return;
    }
    case ByteRange::Kind::Partial: {
      g_autoptr(GBytes) slice =
          g_bytes_new_from_bytes(whole, range.first, range.length());
      soup_message_headers_set_content_range(response, range.first, range.last,
                                             size);
      soup_message_headers_replace(response, "Content-Type", content_type);
      soup_message_body_append_bytes(body, slice);
      soup_server_message_set_status(msg, SOUP_STATUS_PARTIAL_CONTENT, nullptr);
      return;
    }
    case ByteRange::Kind::Whole:
      soup_message_headers_replace(response, "Content-Type", content_type);
      soup_message_body_append_bytes(body, whole);
      soup_server_message_set_status(msg, SOUP_STATUS_OK, nullptr);
      return;
  }
}

}  // namespace dvr
