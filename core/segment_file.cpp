#include "segment_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dvr {
namespace {

constexpr int kNoSpaceRetries = 3;

size_t rounded_capacity(size_t buffer_size) {
  constexpr size_t unit = SegmentFile::kPacketsAndBlocks;
  if (buffer_size >= unit) return buffer_size / unit * unit;
  return (buffer_size / kTsPacketSize > 0 ? buffer_size / kTsPacketSize : 1) *
         kTsPacketSize;
}

uint8_t *first_block(uint8_t *p) {
  const auto at = reinterpret_cast<uintptr_t>(p);
  const uintptr_t block = SegmentFile::kDirectBlock;
  return p + ((block - at % block) % block);
}

}  // namespace

SegmentFile::SegmentFile(size_t buffer_size)
    : capacity_(rounded_capacity(buffer_size)),
      storage_(new uint8_t[capacity_ + kDirectBlock]),
      buffer_(first_block(storage_.get())) {}

SegmentFile::~SegmentFile() {
  if (fd_ >= 0) ::close(fd_);
}

int SegmentFile::open(const std::string &path, bool durable) {
  path_ = path;
  durable_ = durable;
  constexpr int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
  // Without the sync, O_DIRECT would only move the copy into the kernel's I/O path.
  const bool try_direct = durable && capacity_ % kDirectBlock == 0;
  fd_ = ::open(path.c_str(), flags | (try_direct ? O_DIRECT : 0), 0644);
  direct_ = try_direct && fd_ >= 0;
  // Some filesystems refuse O_DIRECT at open; the file was not created then.
  if (fd_ < 0 && try_direct && errno == EINVAL)
    fd_ = ::open(path.c_str(), flags, 0644);
  return fd_ < 0 ? errno : 0;
}

void SegmentFile::stop_direct() {
  if (!direct_) return;
  direct_ = false;
  const int fl = ::fcntl(fd_, F_GETFL);
  if (fl < 0 || ::fcntl(fd_, F_SETFL, fl & ~O_DIRECT) != 0) error_ = errno;
}

void SegmentFile::write_all(const uint8_t *p, size_t size) {
  while (size > 0 && error_ == 0) {
    ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      // A filesystem may take O_DIRECT at open and refuse it at write.
      if (errno == EINVAL && direct_) {
        stop_direct();
        continue;
      }
      if ((errno == ENOSPC || errno == EDQUOT) && no_space_ &&
          no_space_retries_ < kNoSpaceRetries) {
        no_space_retries_++;
        if (no_space_()) continue;
        errno = ENOSPC;
      }
      error_ = errno;
      break;
    }
    p += n;
    size -= static_cast<size_t>(n);
    // A short direct write leaves the offset out of block alignment.
    if (size > 0 && direct_ && static_cast<size_t>(n) % kDirectBlock != 0)
      stop_direct();
  }
}

void SegmentFile::flush() {
  if (fd_ >= 0 && error_ == 0) {
    const size_t whole = direct_ ? used_ / kDirectBlock * kDirectBlock : 0;
    write_all(buffer_, whole);
    if (whole < used_) {
      // Not a whole block: it goes through the page cache, and so does
      // everything after it, since the file offset is no longer aligned.
      stop_direct();
      write_all(buffer_ + whole, used_ - whole);
    }
  }
  used_ = 0;
}

uint8_t *SegmentFile::next_packet() {
  if (used_ + kTsPacketSize > capacity_) flush();
  uint8_t *p = buffer_ + used_;
  used_ += kTsPacketSize;
  bytes_ += kTsPacketSize;
  return p;
}

void SegmentFile::append(const void *data, size_t size) {
  const auto *in = static_cast<const uint8_t *>(data);
  bytes_ += size;
  while (size > 0) {
    if (used_ == capacity_) flush();
    const size_t n = size < capacity_ - used_ ? size : capacity_ - used_;
    std::memcpy(buffer_ + used_, in, n);
    used_ += n;
    in += n;
    size -= n;
  }
}

int SegmentFile::finish() {
  if (fd_ >= 0) {
    flush();
    // The size and the blocks' places are the metadata a reader needs: fdatasync
    // writes them and the buffered tail, and asks the disk to empty its cache.
    if (error_ == 0 && durable_ && ::fdatasync(fd_) != 0) error_ = errno;
    if (::close(fd_) != 0 && error_ == 0) error_ = errno;
    fd_ = -1;
  }
  return error_;
}

}  // namespace dvr
