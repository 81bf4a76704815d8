// The bytes of a file as the body of an answer: a mapping of the file, or a
// copy read whole, as the way the file changes on disk allows.
#pragma once

#include <glib.h>
#include <sys/types.h>

namespace dvr {

enum class FileBody {
  // Always mapped, never copied, whatever its size: for a file that is never
  // rewritten in place. A segment is written under a temporary name, renamed,
  // and then only ever unlinked, so its mapping stays valid (no SIGBUS) for
  // as long as it is sent, and many viewers share the page cache's one copy.
  Mapped,
  // Read whole while small, mapped when large: for a file that may be
  // rewritten in place (the page, a playlist written by another tool); the
  // copy is a consistent snapshot and cannot be truncated under the sender.
  CopiedWhenSmall,
};

// Below this, CopiedWhenSmall reads the file rather than mapping it.
constexpr off_t kCopyLimit = 256 * 1024;

// fd: open for reading; size: its size from fstat. nullptr if it cannot be
// read or mapped.
GBytes *file_body(int fd, off_t size, FileBody how);

}  // namespace dvr
