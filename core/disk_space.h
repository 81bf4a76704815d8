// A full disk, and the other reasons a recording folder cannot be written.
//
// The newest footage wins: when the filesystem runs short, the oldest footage
// goes, across every recording that shares it, until there is room for the
// next few segments of each (the headroom). Freeing only what the failed
// segment needed would lose every other segment to the next failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "segment.h"

namespace dvr {

// Why a recording folder could not be written. Only kFull is survived by
// freeing footage; the others need a person.
enum class StorageFault {
  kNone,
  kFull,
  kReadOnly,
  kFolderMissing,
  kIoError,
  kOther
};

// The fault behind error_number for a write into folder: a folder that is gone
// or a read-only filesystem is said as such whatever errno the write got.
StorageFault diagnose_write_error(const std::string &folder, int error_number);
StorageFault fault_of_errno(int error_number);
// "ok", "full", "read-only", "folder-missing", "io-error", "error": for APIs.
const char *storage_fault_name(StorageFault fault);
// In words for a log line: "the disk is full", "the filesystem is read-only", ...
const char *storage_fault_words(StorageFault fault);

// Free bytes of the filesystem holding path (for an unprivileged writer), or -1.
int64_t filesystem_free_bytes(const std::string &path);

// The mount point of the filesystem holding path (the nearest parent on
// another device stops the walk), or empty if path cannot be read.
std::string filesystem_of(const std::string &path);

// Segments' worth of space kept free ahead of each recording once the disk
// has filled: the one being written and the next ones.
constexpr size_t kHeadroomSegments = 4;
// kHeadroomSegments times the largest of the newest few listed segments, or
// times fallback_bytes when none is listed yet.
uint64_t headroom_bytes(const std::deque<Segment> &listed,
                        uint64_t fallback_bytes);

// One recording's footage as the reclaimer sees it.
struct Holding {
  const std::deque<Segment> *listed = nullptr;  // oldest first
  // Segments ending after this are the recording's live window: none of them
  // goes while any recording holds older footage outside its own window.
  int64_t keep_from_us = 0;
};

// How many of each holding's oldest listed segments to free for `wanted`
// bytes: the oldest footage first across holdings, live windows last, and
// never a holding's newest segment. Frees less when that is all there is.
std::vector<size_t> segments_to_free(const std::vector<Holding> &holdings,
                                     uint64_t wanted);

// What one recording lost to a full disk, and its state, for the element's
// messages and the launcher's API.
struct SpaceAccount {
  StorageFault fault =
      StorageFault::kNone;  // kFull for the whole of an episode
  // This episode: segments freed before their retention, and their bytes.
  uint64_t episode_freed_segments = 0;
  uint64_t episode_freed_bytes = 0;
  uint64_t episode_dropped_segments = 0;  // not written for lack of space
  // Since the element started.
  uint64_t freed_segments = 0;      // reason "reclaimed"
  uint64_t dropped_no_space = 0;    // reason "no-space"
  uint64_t dropped_unwritable = 0;  // read-only, folder missing, I/O error
  // An episode began and is not yet said.
  bool unreported = false;
  // The state was said at least once (the first segment says it).
  bool announced = false;
};

}  // namespace dvr
