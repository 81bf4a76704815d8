// A full disk: what goes (the oldest footage, across recordings), how much
// (room for the next segments), and how the other faults are told apart.
#include <catch2/catch.hpp>

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "disk_space.h"
#include "recording_index.h"
#include "storage_pool.h"
#include "temp_folder.h"

using dvr::Holding;
using dvr::Segment;

using dvr_test::TempFolder;

namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kT0 = 1700000000LL * kSecond;

std::deque<Segment> regular(int64_t first_start_us, size_t count,
                            uint64_t bytes = 1000) {
  std::deque<Segment> out;
  for (size_t i = 0; i < count; i++) {
    Segment s;
    s.sequence = i;
    s.start_us = first_start_us + static_cast<int64_t>(i) * 2 * kSecond;
    s.duration_us = 2 * kSecond;
    s.bytes = bytes;
    out.push_back(s);
  }
  return out;
}

std::unique_ptr<dvr::RecordingIndex> open_with(const std::string &folder,
                                               int64_t now_us) {
  dvr::RecordingOptions o;
  o.folder = folder;
  o.retention.window_s = 0;
  std::string error;
  auto index = dvr::RecordingIndex::open(o, now_us, &error);
  INFO(error);
  REQUIRE(index);
  return index;
}

void add(dvr::RecordingIndex &index, int64_t start_us, uint64_t bytes) {
  const std::string tmp = index.temporary_path();
  std::ofstream(tmp, std::ios::binary)
      << std::string(static_cast<size_t>(bytes), 'G');
  std::string error;
  INFO(error);
  REQUIRE(index.add_segment(tmp, start_us, 2 * kSecond, bytes, false,
                            start_us + 2 * kSecond, nullptr, &error));
}

bool exists(const std::string &path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

TEST_CASE("the oldest footage goes first, whichever recording holds it",
          "[disk-space]") {
  const auto a = regular(kT0, 5);                // 0 s .. 10 s
  const auto b = regular(kT0 + 3 * kSecond, 5);  // 3 s .. 13 s
  const std::vector<Holding> holdings{{&a, kT0}, {&b, kT0}};
  // 3000 bytes: a's first (0 s), b's first (3 s), a's second (2 s) by start time.
  CHECK(dvr::segments_to_free(holdings, 3000) == std::vector<size_t>{2, 1});
  CHECK(dvr::segments_to_free(holdings, 1) == std::vector<size_t>{1, 0});
  CHECK(dvr::segments_to_free(holdings, 0) == std::vector<size_t>{0, 0});
}

TEST_CASE("a recording's newest segment is never freed, however much is wanted",
          "[disk-space]") {
  const auto a = regular(kT0, 3);
  const auto b = regular(kT0, 1);
  const std::deque<Segment> none;
  const std::vector<Holding> holdings{
      {&a, kT0}, {&b, kT0}, {&none, kT0}, {nullptr, kT0}};
  CHECK(dvr::segments_to_free(holdings, 1000000) ==
        std::vector<size_t>{2, 0, 0, 0});
}

TEST_CASE(
    "live windows are kept while older footage remains in another recording",
    "[disk-space]") {
  // a: a short live window, all its footage inside it; b: long history outside its window.
  const auto a = regular(kT0 + 100 * kSecond, 5);  // 100 s .. 110 s
  const auto b = regular(kT0 + 50 * kSecond, 30);  // 50 s .. 110 s
  const std::vector<Holding> holdings{{&a, kT0 + 90 * kSecond},
                                      {&b, kT0 + 90 * kSecond}};
  // b's segments ending by 90 s: 20 of them, all freed before any of a's.
  CHECK(dvr::segments_to_free(holdings, 20 * 1000) ==
        std::vector<size_t>{0, 20});
  // Beyond them, the windows go too, oldest first: b's from 90 s, then a's and b's from 100 s.
  CHECK(dvr::segments_to_free(holdings, 21 * 1000) ==
        std::vector<size_t>{0, 21});
  CHECK(dvr::segments_to_free(holdings, 27 * 1000) ==
        std::vector<size_t>{1, 26});
}

TEST_CASE("the headroom is several of the largest recent segments",
          "[disk-space]") {
  std::deque<Segment> listed = regular(kT0, 20, 1000);
  listed[19].bytes = 3000;
  listed[2].bytes = 50000;  // long gone from the recent ones
  CHECK(dvr::headroom_bytes(listed, 7) == dvr::kHeadroomSegments * 3000);
  CHECK(dvr::headroom_bytes({}, 7) == dvr::kHeadroomSegments * 7);
}

TEST_CASE("a full disk is told apart from a read-only, missing or failing one",
          "[disk-space]") {
  CHECK(dvr::fault_of_errno(ENOSPC) == dvr::StorageFault::kFull);
  CHECK(dvr::fault_of_errno(EDQUOT) == dvr::StorageFault::kFull);
  CHECK(dvr::fault_of_errno(EROFS) == dvr::StorageFault::kReadOnly);
  CHECK(dvr::fault_of_errno(ENOENT) == dvr::StorageFault::kFolderMissing);
  CHECK(dvr::fault_of_errno(EIO) == dvr::StorageFault::kIoError);
  CHECK(std::string(dvr::storage_fault_name(dvr::StorageFault::kReadOnly)) ==
        "read-only");
  TempFolder folder;
  // A folder removed under the recorder is said as such, whatever errno the write got.
  CHECK(dvr::diagnose_write_error(folder.path() + "/gone", EIO) ==
        dvr::StorageFault::kFolderMissing);
  CHECK(dvr::diagnose_write_error(folder.path(), EIO) ==
        dvr::StorageFault::kIoError);
  CHECK(dvr::filesystem_free_bytes(folder.path()) > 0);
  CHECK(dvr::filesystem_free_bytes(folder.path() + "/gone") == -1);
}

TEST_CASE(
    "releasing the oldest segments lists them no more and deletes them at once",
    "[disk-space][index]") {
  TempFolder folder;
  auto index = open_with(folder.path(), kT0);
  for (int i = 0; i < 5; i++) add(*index, kT0 + i * 2 * kSecond, 1000);
  size_t retired = 0;
  std::string error;
  CHECK(index->release_oldest(3, kT0 + 10 * kSecond, &retired, &error) == 3000);
  CHECK(retired == 3);
  REQUIRE(index->segments().size() == 2);
  CHECK(index->segments().front().sequence == 3);
  CHECK(index->pending().empty());
  CHECK_FALSE(exists(folder.path() + "/" +
                     dvr::dated_segment_path(0, kT0 + 0 * 2 * kSecond)));
  CHECK_FALSE(exists(folder.path() + "/" +
                     dvr::dated_segment_path(2, kT0 + 2 * 2 * kSecond)));
  // Never the newest.
  CHECK(index->release_oldest(5, kT0 + 10 * kSecond, &retired, &error) == 1000);
  CHECK(retired == 1);
  CHECK(index->segments().size() == 1);
  CHECK(exists(folder.path() + "/" +
               dvr::dated_segment_path(4, kT0 + 4 * 2 * kSecond)));
  // The journal knows: a reopen does not list them again.
  index.reset();
  auto reopened = open_with(folder.path(), kT0 + 10 * kSecond);
  CHECK(reopened->segments().size() == 1);
}

TEST_CASE(
    "a storage group frees the oldest footage of any member, and says whose",
    "[disk-space]") {
  TempFolder root;
  const std::string fa = root.path() + "/a", fb = root.path() + "/b";
  auto a = open_with(fa, kT0);
  auto b = open_with(fb, kT0);
  // a recorded earlier than b: its footage goes first.
  for (int i = 0; i < 4; i++) add(*a, kT0 + i * 2 * kSecond, 1000);
  for (int i = 0; i < 4; i++)
    add(*b, kT0 + 100 * kSecond + i * 2 * kSecond, 1000);
  std::mutex la, lb;
  dvr::SpaceAccount acc_a, acc_b;
  dvr::StoragePool pool;
  dvr::StoragePool::Member ma, mb;
  ma.lock = &la;
  ma.index = a.get();
  ma.account = &acc_a;
  ma.group = "g";
  mb.lock = &lb;
  mb.index = b.get();
  mb.account = &acc_b;
  mb.group = "g";
  ma.headroom = 1000;
  mb.headroom = 1500;
  pool.join(&ma);
  pool.join(&mb);
  // b's write failed for lack of space: 2500 bytes of headroom, all from a.
  const auto out = pool.keep_headroom(&mb, kT0 + 200 * kSecond, true);
  CHECK(out.short_of_space);
  CHECK(out.freed_segments == 3);
  CHECK(out.freed_bytes == 3000);
  CHECK(a->segments().size() == 1);
  CHECK(b->segments().size() == 4);
  CHECK(acc_a.fault == dvr::StorageFault::kFull);
  CHECK(acc_a.unreported);
  CHECK(acc_a.episode_freed_segments == 3);
  CHECK(acc_a.episode_freed_bytes == 3000);
  // b lost nothing, but its disk is full.
  CHECK(acc_b.fault == dvr::StorageFault::kFull);
  CHECK(acc_b.episode_freed_segments == 0);
  // Plenty free and nothing failed: nothing goes.
  const auto calm = pool.keep_headroom(&ma, kT0 + 200 * kSecond, false);
  CHECK_FALSE(calm.short_of_space);
  CHECK(calm.freed_segments == 0);
  // Out of the group, a frees only its own.
  pool.leave(&ma);
  dvr::StoragePool::Member alone;
  alone.lock = &lb;
  alone.index = b.get();
  alone.account = &acc_b;
  alone.headroom = 1000;
  const auto own = pool.keep_headroom(&alone, kT0 + 200 * kSecond, true);
  CHECK(own.freed_segments == 1);
  CHECK(a->segments().size() == 1);
  CHECK(b->segments().size() == 3);
}

TEST_CASE(
    "min-free removes the oldest footage across the group, archives first, and is no fault",
    "[disk-space][archive]") {
  TempFolder root;
  // Two recordings keeping a 10 s window in front of an archive.
  auto open_archive = [](const std::string &folder) {
    dvr::RecordingOptions o;
    o.folder = folder;
    o.retention.window_s = 10;
    o.retention.retention_s = 0;
    o.grace_us = 0;
    std::string error;
    auto index = dvr::RecordingIndex::open(o, kT0, &error);
    INFO(error);
    REQUIRE(index);
    return index;
  };
  auto a = open_archive(root.path() + "/a");
  auto b = open_archive(root.path() + "/b");
  const uint64_t mib = 1 << 20;
  for (int i = 0; i < 20; i++) add(*a, kT0 + i * 2 * kSecond, mib);
  for (int i = 0; i < 20; i++)
    add(*b, kT0 + 20 * kSecond + i * 2 * kSecond, mib);
  std::mutex la, lb;
  dvr::SpaceAccount acc_a, acc_b;
  dvr::StoragePool pool;
  dvr::StoragePool::Member ma, mb;
  for (auto [m, lock, index, acc] : {std::tuple{&ma, &la, a.get(), &acc_a},
                                     std::tuple{&mb, &lb, b.get(), &acc_b}}) {
    m->lock = lock;
    m->index = index;
    m->account = acc;
    m->group = "g";
    m->headroom = 1000;
    m->live_window_us = 10 * kSecond;
  }
  // Keep 6 MiB more free than there is: about six of the oldest segments go.
  const int64_t free_now = dvr::filesystem_free_bytes(root.path());
  REQUIRE(free_now > 0);
  ma.min_free_bytes = static_cast<uint64_t>(free_now) + 6 * mib;
  pool.join(&ma);
  pool.join(&mb);
  const uint64_t a_before = a->bytes_on_disk();
  const auto out = pool.keep_headroom(&mb, kT0 + 80 * kSecond, false);
  CHECK(out.for_min_free);
  CHECK_FALSE(out.short_of_space);
  CHECK(out.freed_segments >= 6);
  CHECK(out.freed_segments <= 8);
  // The oldest footage is a's archive: b and both live windows are untouched.
  CHECK(a->bytes_on_disk() == a_before - out.freed_bytes);
  CHECK(b->bytes_on_disk() == 20 * mib);
  CHECK(a->segments().size() >= 5);
  // Retention, not a fault: nobody's disk is said to be full.
  CHECK(acc_a.fault == dvr::StorageFault::kNone);
  CHECK(acc_b.fault == dvr::StorageFault::kNone);
  pool.leave(&ma);
  pool.leave(&mb);
}
