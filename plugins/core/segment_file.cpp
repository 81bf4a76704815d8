#include "segment_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dvr {

SegmentFile::SegmentFile(size_t buffer_size)
    : capacity_((buffer_size / kTsPacketSize > 0 ? buffer_size / kTsPacketSize : 1) * kTsPacketSize),
      buffer_(new uint8_t[capacity_]) {}

SegmentFile::~SegmentFile() {
  if (fd_ >= 0) ::close(fd_);
}

int SegmentFile::open(const std::string& path) {
  path_ = path;
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  return fd_ < 0 ? errno : 0;
}

void SegmentFile::flush() {
  const uint8_t* p = buffer_.get();
  size_t left = used_;
  while (left > 0 && error_ == 0 && fd_ >= 0) {
    ssize_t n = ::write(fd_, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = errno;
      break;
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  used_ = 0;
}

uint8_t* SegmentFile::next_packet() {
  if (used_ + kTsPacketSize > capacity_) flush();
  uint8_t* p = buffer_.get() + used_;
  used_ += kTsPacketSize;
  bytes_ += kTsPacketSize;
  return p;
}

void SegmentFile::append(const void* data, size_t size) {
  const auto* in = static_cast<const uint8_t*>(data);
  bytes_ += size;
  while (size > 0) {
    if (used_ == capacity_) flush();
    const size_t n = size < capacity_ - used_ ? size : capacity_ - used_;
    std::memcpy(buffer_.get() + used_, in, n);
    used_ += n;
    in += n;
    size -= n;
  }
}

int SegmentFile::finish() {
  if (fd_ >= 0) {
    flush();
    if (error_ == 0 && ::fsync(fd_) != 0) error_ = errno;
    if (::close(fd_) != 0 && error_ == 0) error_ = errno;
    fd_ = -1;
  }
  return error_;
}

}  // namespace dvr
