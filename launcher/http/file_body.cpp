#include "http/file_body.h"

#include <unistd.h>

#include <cerrno>
#include <memory>

namespace dvr {
namespace {

GBytes *read_all(int fd, off_t size) {
  std::unique_ptr<char, decltype(&g_free)> buf(
      static_cast<char *>(g_malloc(size > 0 ? size : 1)), g_free);
  off_t done = 0;
  while (done < size) {
    ssize_t n = read(fd, buf.get() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return nullptr;
    if (n == 0) break;
    done += n;
  }
  return g_bytes_new_take(buf.release(), done);
}

GBytes *map_all(int fd) {
  g_autoptr(GMappedFile) mapped = g_mapped_file_new_from_fd(fd, FALSE, nullptr);
  return mapped ? g_mapped_file_get_bytes(mapped) : nullptr;
}

}  // namespace

GBytes *file_body(int fd, off_t size, FileBody how) {
  if (how == FileBody::CopiedWhenSmall && size < kCopyLimit)
    return read_all(fd, size);
  return map_all(fd);
}

}  // namespace dvr
