// Answers a request with one file: 200, 206 for a single byte range, 416,
// or 404. Large files are mapped rather than read, so a segment is never
// copied into memory.
#pragma once

#include <libsoup/soup.h>

#include <string>

namespace dvr {

// path must already be known to be safe: the caller checked every component.
// The last component is opened with O_NOFOLLOW, and only a regular file is
// served. range: the request's Range header or nullptr; the caller removes it
// from the request, or libsoup would apply it a second time to a 200 answer.
void respond_with_file(SoupServerMessage* msg, const std::string& path, const char* content_type,
                       const char* cache_control, const char* range);

void respond_with_status(SoupServerMessage* msg, guint status);

}  // namespace dvr
