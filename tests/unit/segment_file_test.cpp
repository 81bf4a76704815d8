// SegmentFile: what reaches the disk, whichever way each buffer is written.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "segment_file.h"

namespace {

struct TempDir {
  std::string path;
  // In the build tree rather than /tmp: on a disk, where O_DIRECT is at home
  // (/tmp may be a tmpfs).
  TempDir() {
    std::string tmpl = "segment-file-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl.data()));
    path = tmpl;
  }
  ~TempDir() {
    std::string cmd = "rm -rf '" + path + "'";
    (void)std::system(cmd.c_str());
  }
};

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// Whether this folder's filesystem lets a file be opened with O_DIRECT at all.
bool takes_direct(const std::string &dir) {
  const std::string probe = dir + "/probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_DIRECT, 0644);
  if (fd >= 0) ::close(fd);
  ::unlink(probe.c_str());
  return fd >= 0;
}

// Packet i carries its own number in every byte after the sync byte.
void fill(uint8_t *p, size_t i) {
  p[0] = 0x47;
  std::memset(p + 1, static_cast<int>(i & 0xff), dvr::kTsPacketSize - 1);
}

std::string expected(size_t packets) {
  std::string out(packets * dvr::kTsPacketSize, '\0');
  for (size_t i = 0; i < packets; i++)
    fill(reinterpret_cast<uint8_t *>(&out[i * dvr::kTsPacketSize]), i);
  return out;
}

}  // namespace

TEST_CASE(
    "a segment buffer of a megabyte holds whole TS packets and whole disk blocks") {
  dvr::SegmentFile file(1024 * 1024);
  CHECK(file.capacity() % dvr::kTsPacketSize == 0);
  CHECK(file.capacity() % dvr::SegmentFile::kDirectBlock == 0);
  CHECK(file.capacity() <= 1024 * 1024);
  CHECK(file.capacity() > 900 * 1024);
  CHECK(reinterpret_cast<uintptr_t>(file.data()) %
            dvr::SegmentFile::kDirectBlock ==
        0);
}

TEST_CASE(
    "full buffers bypass the page cache where the disk allows it, and every byte lands, the tail too") {
  TempDir dir;
  const std::string path = dir.path + "/seg.ts";
  dvr::SegmentFile file(1024 * 1024);
  REQUIRE(file.open(path) == 0);
  CHECK(file.direct() == takes_direct(dir.path));
  // Three and a half buffers: three go out whole, the last part is not a whole block.
  const size_t packets = file.capacity() / dvr::kTsPacketSize * 7 / 2 + 1;
  for (size_t i = 0; i < packets; i++) fill(file.next_packet(), i);
  CHECK(file.finish() == 0);
  CHECK(file.bytes() == packets * dvr::kTsPacketSize);
  const std::string content = read_file(path);
  REQUIRE(content.size() == packets * dvr::kTsPacketSize);
  CHECK(content == expected(packets));
}

TEST_CASE(
    "a file opened without durability goes through the page cache, and every byte lands") {
  TempDir dir;
  const std::string path = dir.path + "/seg.ts";
  dvr::SegmentFile file(1024 * 1024);
  REQUIRE(file.open(path, false) == 0);
  CHECK_FALSE(file.direct());
  const size_t packets = file.capacity() / dvr::kTsPacketSize * 5 / 2 + 3;
  for (size_t i = 0; i < packets; i++) fill(file.next_packet(), i);
  CHECK(file.finish() == 0);
  CHECK(read_file(path) == expected(packets));
}

TEST_CASE(
    "a flush of part of a buffer mid-file leaves the rest of the file correct") {
  // The mpegtsmux path flushes whenever giostreamsink does, at any length.
  TempDir dir;
  const std::string path = dir.path + "/seg.ts";
  dvr::SegmentFile file(1024 * 1024);
  REQUIRE(file.open(path) == 0);
  std::string want;
  auto put = [&](size_t n, size_t first) {
    for (size_t i = first; i < first + n; i++) {
      uint8_t p[dvr::kTsPacketSize];
      fill(p, i);
      file.append(p, sizeof p);
      want.append(reinterpret_cast<char *>(p), sizeof p);
    }
  };
  put(7, 0);
  file.flush();
  CHECK_FALSE(file.direct());  // the offset is no longer block-aligned
  put(file.capacity() / dvr::kTsPacketSize * 2, 7);
  CHECK(file.finish() == 0);
  CHECK(read_file(path) == want);
}

TEST_CASE(
    "a segment file is never created over an existing file or through a link") {
  TempDir dir;
  const std::string path = dir.path + "/seg.ts";
  dvr::SegmentFile first(1024 * 1024);
  REQUIRE(first.open(path) == 0);
  CHECK(dvr::SegmentFile(1024 * 1024).open(path) == EEXIST);
  const std::string link = dir.path + "/link.ts";
  REQUIRE(::symlink("elsewhere.ts", link.c_str()) == 0);
  CHECK(dvr::SegmentFile(1024 * 1024).open(link) == EEXIST);
  CHECK(first.finish() == 0);
}
