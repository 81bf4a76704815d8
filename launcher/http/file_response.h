// Answers a request with one file: 200, 206 for a single byte range, 416,
// or 404. A segment is always mapped, never copied into memory (see
// file_body.h); a Range is answered from a slice of the same bytes.
#pragma once

#include <libsoup/soup.h>

#include <string>

#include "http/file_body.h"

namespace dvr {

// path must already be known to be safe: the caller checked every component.
// The last component is opened with O_NOFOLLOW, and only a regular file is
// served. range: the request's Range header or nullptr; the caller removes it
// from the request, or libsoup would apply it a second time to a 200 answer.
// how: whether the file may be rewritten in place while it is sent.
void respond_with_file(SoupServerMessage *msg, const std::string &path,
                       const char *content_type, const char *cache_control,
                       const char *range, FileBody how);

void respond_with_status(SoupServerMessage *msg, guint status);

}  // namespace dvr
