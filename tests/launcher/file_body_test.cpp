// How a served file's bytes are taken: a segment is the file's own mapping,
// never a copy in the launcher's memory, however small it is.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "http/file_body.h"

using namespace dvr;

namespace {

// The file behind the mapping holding address p in /proc/self/maps, or "" if
// p is in anonymous memory (the heap, a copy).
std::string mapped_file_at(const void *p) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::uintmax_t from = 0, to = 0;
    int path_at = 0;
    if (std::sscanf(line.c_str(), "%jx-%jx %*s %*s %*s %*s %n", &from, &to,
                    &path_at) < 2)
      continue;
    if (at >= from && at < to)
      return path_at > 0 ? line.substr(path_at) : std::string();
  }
  return "";
}

struct TempFile {
  std::string dir;
  std::string path;
  int fd = -1;

  explicit TempFile(std::size_t size) {
    g_autofree char *d = g_dir_make_tmp("dvr-file-body-XXXXXX", nullptr);
    REQUIRE(d);
    // As /proc/self/maps names it: with no symbolic link in the way.
    std::unique_ptr<char, decltype(&std::free)> real(realpath(d, nullptr),
                                                     std::free);
    REQUIRE(real);
    dir = real.get();
    path = dir + "/seg-00000001.ts";
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
      bytes[i] = static_cast<char>(i * 7 + 1);
    REQUIRE(
        g_file_set_contents(path.c_str(), bytes.data(), bytes.size(), nullptr));
    fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
  }
  ~TempFile() {
    if (fd >= 0) close(fd);
    g_unlink(path.c_str());
    g_rmdir(dir.c_str());
  }
};

bool same_bytes(GBytes *body, std::size_t size) {
  gsize n = 0;
  const auto *data = static_cast<const char *>(g_bytes_get_data(body, &n));
  if (n != size) return false;
  for (std::size_t i = 0; i < size; ++i)
    if (data[i] != static_cast<char>(i * 7 + 1)) return false;
  return true;
}

}  // namespace

TEST_CASE(
    "a segment is sent from the file's mapping, never a copy, small or large",
    "[file-body]") {
  for (std::size_t size : {std::size_t{188} * 10, std::size_t(kCopyLimit) - 1,
                           std::size_t{4} * 1024 * 1024}) {
    CAPTURE(size);
    TempFile file(size);
    g_autoptr(GBytes) body =
        file_body(file.fd, static_cast<off_t>(size), FileBody::Mapped);
    REQUIRE(body);
    CHECK(same_bytes(body, size));
    CHECK(mapped_file_at(g_bytes_get_data(body, nullptr)) == file.path);
  }
}

TEST_CASE(
    "a small page or playlist is a copy, so rewriting it in place cannot break the answer",
    "[file-body]") {
  TempFile small(1000);
  g_autoptr(GBytes) copy = file_body(small.fd, 1000, FileBody::CopiedWhenSmall);
  REQUIRE(copy);
  CHECK(same_bytes(copy, 1000));
  CHECK(mapped_file_at(g_bytes_get_data(copy, nullptr)) != small.path);

  // Large ones are mapped all the same: a copy would cost their whole size.
  const std::size_t large = std::size_t(kCopyLimit) * 2;
  TempFile big(large);
  g_autoptr(GBytes) mapped =
      file_body(big.fd, static_cast<off_t>(large), FileBody::CopiedWhenSmall);
  REQUIRE(mapped);
  CHECK(same_bytes(mapped, large));
  CHECK(mapped_file_at(g_bytes_get_data(mapped, nullptr)) == big.path);
}

TEST_CASE("an empty segment is an empty body, not an error", "[file-body]") {
  TempFile empty(0);
  g_autoptr(GBytes) body = file_body(empty.fd, 0, FileBody::Mapped);
  REQUIRE(body);
  CHECK(g_bytes_get_size(body) == 0);
}
