// /api/cameras/<camera>/clip.mp4: a stretch of recording remuxed into a
// fragmented MP4 while it is sent (segments → tsdemux → parse → mp4mux), never
// re-encoded, never written to disk, never held whole in memory.
//
// GStreamer produces on its own threads; SoupServer may only be touched from
// its main context. The streaming thread hands each chunk over with
// g_main_context_invoke and waits while the client is more than a few chunks
// behind; the message is paused while nothing is ready and the pipeline is
// stopped when the client goes away.
#pragma once

#include <libsoup/soup.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "http/recording_catalog.h"
#include "segment.h"
#include "http/time_range.h"

namespace dvr {

struct ClipRequest {
  std::string folder;  // the camera's recording folder
  std::vector<Segment>
      segments;  // the recorded segments overlapping range, oldest first
  TimeRange range;
};

class ClipStreams {
 public:
  explicit ClipStreams(unsigned max_running);
  ~ClipStreams();
  ClipStreams(const ClipStreams &) = delete;
  ClipStreams &operator=(const ClipStreams &) = delete;

  bool full() const { return clips_.size() >= max_running_; }
  std::size_t running() const { return clips_.size(); }

  // Answers msg with a chunked MP4 body. The caller set the headers it wants
  // (Content-Disposition) and checked that request.segments is not empty.
  void start(SoupServerMessage *msg, ClipRequest request);

  class Clip;

 private:
  friend class Clip;
  void remove(Clip *clip);
  static gboolean on_reap(gpointer self);

  unsigned max_running_;
  std::vector<std::unique_ptr<Clip>> clips_;
  std::vector<Clip *> done_;
  guint reap_idle_ = 0;
};

}  // namespace dvr
