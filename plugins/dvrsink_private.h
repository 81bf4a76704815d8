/* dvrsink's insides, shared by its files: gstdvrsink.cpp (the bin, its
 * properties and the parser choice), dvrsink_splitmux.cpp (the splitmuxsink
 * writer behind writer=mpegtsmux) and dvrsink_audio_watchdog.cpp (silent AAC
 * for an audio branch that stalls). */
#pragma once

#include <gst/gst.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "audio_stall.h"
#include "gstdvrsink.h"
#include "segment_stream.h"

GST_DEBUG_CATEGORY_EXTERN (dvr_sink_debug);

/* Which writer writes the segments (the writer property). */
typedef enum
{
  GST_DVR_WRITER_LEAN,
  GST_DVR_WRITER_MPEGTSMUX,
} GstDvrWriter;

/* What the user set (settings_lock); instance init sets the DEFAULT_* values
 * of gstdvrsink.cpp. */
struct DvrSinkSettings
{
  GstDvrWriter writer = GST_DVR_WRITER_LEAN;
  bool send_keyframe_requests = false;
  guint64 segment_duration = 0; /* ns */
};

/* The splitmuxsink writer's segments (writer=mpegtsmux). */
struct DvrSinkSplitmux
{
  std::mutex lock;
  /* Open segments, oldest first: splitmuxsink's fragment-closed message names
   * no file when it writes to a stream. */
  std::deque<DvrSegmentStream *> open_segments;
  DvrContinuity continuity;
  /* The codec changed and the segment of the new one has not opened yet.
   * mpegtsmux refuses the new caps with an error, after which splitmuxsink
   * closes the segment and opens the next with a fresh muxer. */
  bool codec_change = false;
};

/* An audio branch that stops without a word, filled with silent AAC. */
struct DvrSinkAudioWatchdog
{
  /* Audio this far behind the video (and no real audio for as long) is taken
   * as stalled and filled with silent AAC: splitmuxsink would otherwise hold
   * the video back until the audio came. */
  static constexpr gint64 kStallUs = G_USEC_PER_SEC;
  /* The silence reaches this far past the newest video. */
  static constexpr gint64 kLeadNs = 100 * GST_MSECOND;

  std::mutex lock;
  dvr::AudioStallWatch watch{kStallUs, kLeadNs};
  GstSegment audio_segment;
  /* splitmuxsink blocks the video thread itself while it waits for audio,
   * so the rescue needs its own thread. */
  std::thread thread;
  std::condition_variable wake;
  bool running = false;
};

struct GstDvrSinkPrivate
{
  std::mutex settings_lock;
  DvrSinkSettings settings;

  DvrSinkSplitmux splitmux;
  DvrSinkAudioWatchdog audio;

  /* Input without caps (filesrc): its segment, held back until typefinding
   * found the caps that must go before it (streaming thread only). */
  GstEvent *held_segment = nullptr;
  bool typefound = false;
};

/* The children and pads; changed only in NULL or READY, or from the sink
 * pad's streaming thread (the parser). */
struct _GstDvrSink
{
  GstBin parent;
  GstPad *sinkpad;
  GstElement *parser;
  const char *parser_kind; /* "h264parse", "h265parse" or "tsreader" */
  GstElement *index;
  GstElement *writer;
  GstElement *file_sink;
  GstPad *audio_pad;
  gboolean direct; /* the sink pad leads straight into dvrindex */
  struct GstDvrSinkPrivate *priv;
};

DvrSinkSettings dvr_sink_settings (GstDvrSink *self);

/* dvrsink_splitmux.cpp */
GstElement *dvr_sink_make_child (
    GstDvrSink *self, const char *factory, const char *name);
/* Adds splitmuxsink with mpegtsmux and giostreamsink after dvrindex as the
 * writer; FALSE (with a critical) when an element is missing. */
gboolean dvr_sink_build_splitmux (GstDvrSink *self);
/* Takes splitmuxsink's fragment messages; false for any other message. */
gboolean dvr_sink_splitmux_handle_message (
    GstDvrSink *self, GstMessage *message);
/* The new caps name another codec than the current ones. */
void dvr_sink_splitmux_codec_changes (GstDvrSink *self);
/* Stopped without EOS: the index removes their temporaries when it closes. */
void dvr_sink_splitmux_discard_open_segments (GstDvrSink *self);

/* dvrsink_audio_watchdog.cpp */
void dvr_sink_audio_watchdog_init (GstDvrSink *self);
void dvr_sink_audio_watchdog_start (GstDvrSink *self);
void dvr_sink_audio_watchdog_stop (GstDvrSink *self);
/* Watches what enters the audio pad and what leaves dvrindex. */
void dvr_sink_watch_audio_pad (GstDvrSink *self, GstPad *pad);
void dvr_sink_watch_video_pad (GstDvrSink *self, GstPad *pad);
