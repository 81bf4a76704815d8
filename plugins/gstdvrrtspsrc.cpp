/**
 * SECTION:element-dvrrtspsrc
 * @title: dvrrtspsrc
 *
 * A lean source for RTSP cameras, for recording: it speaks RTSP over TCP with
 * the media interleaved on the same connection, reads the socket in large
 * reads and depayloads inside, so that a camera costs a fraction of what
 * rtspsrc, rtpbin and the depayloaders spend on it.
 *
 * Record a camera (here dvr-mock-camera's default) until Ctrl-C, keeping the last 60 s:
 * |[
 * gst-launch-1.0 -e dvrrtspsrc location='rtsp://127.0.0.1:8554/cam/realmonitor?channel=1&subtype=0' ! dvrsink location=/tmp/cam window=60
 * ]|
 *
 * With the camera's audio (G.711 turned into AAC; AAC goes straight in):
 * |[
 * gst-launch-1.0 -e dvrrtspsrc name=src location='rtsp://HOST:554/cam/realmonitor?channel=1&subtype=0' user-id=admin user-pw=SECRET \
 *     src.video ! dvrsink name=sink location=/var/lib/dvr/door window=7200 \
 *     src.audio ! alawdec ! audioconvert ! audioresample ! avenc_aac ! aacparse ! sink.audio
 * ]|
 *
 * It records the first H.264 or H.265 video stream (sometimes pad `video`:
 * access units, stream-format avc3 or hev1, keyframes without DELTA_UNIT) and
 * the first AAC (mpeg4-generic) or G.711 audio stream (sometimes pad `audio`:
 * raw AAC frames with codec_data, or audio/x-alaw / audio/x-mulaw at 8 kHz).
 * Streams it cannot record (ONVIF metadata, other codecs) are not SET UP.
 * Pads appear once the SDP is read, then no-more-pads. UDP is not supported:
 * use rtspsrc for it.
 *
 * URLs as RFC 2326/7826 say: each stream's control attribute is resolved
 * against Content-Base, else Content-Location, else the location; PLAY,
 * keep-alives and TEARDOWN go to the session's aggregate URL. Redirects are
 * followed (3 at most). Digest (qop=auth, MD5 or SHA-256) or Basic, with
 * user-id/user-pw or percent-encoded credentials in the location.
 *
 * rtsps:// is RTSP over TLS; the certificate is checked unless
 * #GstDvrRtspSrc:tls-validation is false, and a self-signed one is taken when
 * its SHA-256 is #GstDvrRtspSrc:tls-fingerprint.
 *
 * Timestamps: a live source. A stream's PTS is the running time at which its
 * first packet arrived plus the RTP time elapsed since; when the PLAY response
 * has RTP-Info, all streams share the instant it names, so audio and video
 * line up. A slow correction (at most 1000 ppm) keeps the PTS near the arrival
 * times when the camera's clock drifts, never taking it backwards.
 *
 * Keep-alive: GET_PARAMETER (or OPTIONS when the camera does not list
 * GET_PARAMETER) every #GstDvrRtspSrc:keep-alive seconds, half the session
 * timeout by default, and an RTCP receiver report every few seconds.
 *
 * Errors, as rtspsrc gives them: a camera that refuses the credentials
 * (after they were tried) is `GST_RESOURCE_ERROR_NOT_AUTHORIZED`; an unknown
 * path `GST_RESOURCE_ERROR_NOT_FOUND`; no connection `OPEN_READ` with "Could
 * not connect" in the debug text; a broken connection `READ`. An answer this
 * element cannot use (no TCP transport, SETUP or PLAY refused, nothing it can
 * record) is a `GST_STREAM_ERROR`: rtspsrc may record that camera. A camera that
 * hangs up ends the stream with EOS. The password never appears in a message
 * or in the debug log, and URLs are shown without user info.
 */
#include "gstdvrrtspsrc.h"

#include <gst/sdp/sdp.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "defaults.h"
#include "rtcp_report.h"
#include "rtp_aac_depay.h"
#include "rtp_clock.h"
#include "rtp_packet.h"
#include "interleaved_buffer.h"
#include "rtp_sequence.h"
#include "rtp_video_depay.h"
#include "rtsp_control.h"
#include "rtsp_media.h"
#include "rtsp_url.h"
#include "sdp_fmtp.h"

GST_DEBUG_CATEGORY (dvr_rtsp_src_debug);
#define GST_CAT_DEFAULT dvr_rtsp_src_debug

/* Each read asks for this much: at 4 Mbit/s a few reads per video frame. */
#define READ_SIZE (64 * 1024)
/* An RTCP receiver report this often, on every stream. */
#define RECEIVER_REPORT_INTERVAL (5 * G_USEC_PER_SEC)
/* A TEARDOWN waits this long at most for the connection to take it. */
#define TEARDOWN_TIMEOUT (500 * 1000)
/* A live source's buffers reach downstream this much after their PTS at most
 * (an access unit goes out when its last packet is in). */
#define LATENCY (200 * GST_MSECOND)

enum
{
  PROP_0,
  PROP_LOCATION,
  PROP_USER_ID,
  PROP_USER_PW,
  PROP_TIMEOUT,
  PROP_KEEP_ALIVE,
  PROP_TLS_VALIDATION,
  PROP_TLS_FINGERPRINT,
};

#define DEFAULT_LOCATION NULL
#define DEFAULT_USER_ID NULL
#define DEFAULT_TIMEOUT 10
#define DEFAULT_KEEP_ALIVE 0
#define DEFAULT_TLS_VALIDATION dvr::kDefaultTlsValidation
#define DEFAULT_TLS_FINGERPRINT NULL

static GstStaticPadTemplate video_template = GST_STATIC_PAD_TEMPLATE ("video",
    GST_PAD_SRC, GST_PAD_SOMETIMES,
    GST_STATIC_CAPS (
        "video/x-h264, stream-format = (string) avc3, alignment = (string) au; "
        "video/x-h265, stream-format = (string) hev1, alignment = (string) au"));
static GstStaticPadTemplate audio_template =
    GST_STATIC_PAD_TEMPLATE ("audio", GST_PAD_SRC, GST_PAD_SOMETIMES,
        GST_STATIC_CAPS (
            "audio/mpeg, mpegversion = (int) 4, stream-format = (string) raw; "
            "audio/x-alaw, rate = (int) 8000, channels = (int) 1; "
            "audio/x-mulaw, rate = (int) 8000, channels = (int) 1"));

/* What the user set. */
struct Settings
{
  std::string location;
  std::string user;
  std::string password;
  guint timeout = DEFAULT_TIMEOUT;
  guint keep_alive = DEFAULT_KEEP_ALIVE;
  TlsPolicy tls;
};

/* One recorded stream: its pad, depayloader and clock. Used by the worker
 * thread only, once made. */
struct Output
{
  GstDvrRtspSrc *self = nullptr;
  MediaDescription media;
  int rtp_channel = -1;
  int rtcp_channel = -1;
  GstPad *pad = nullptr; /* owned by the element once added */
  std::unique_ptr<dvr::RtpVideoDepayloader> video;
  std::unique_ptr<dvr::RtpAacDepayloader> aac;
  std::unique_ptr<dvr::RtpClockMapping> clock;
  bool discont = true;
  GstFlowReturn flow = GST_FLOW_OK;
  bool not_linked_logged = false;
  /* For the receiver reports. */
  dvr::RtpSequenceTracker sequence;
  guint32 last_sr = 0;
  gint64 last_sr_at = 0;
};

struct GstDvrRtspSrcPrivate
{
  std::mutex settings_lock;
  Settings settings;

  /* The worker's life: started in READY→PAUSED, ended in PAUSED→READY. */
  std::mutex state_lock;
  std::condition_variable state_changed;
  bool playing = false;
  bool stopping = false;
  bool streaming = false; /* past PLAY: the worker reads the socket itself */
  bool eos_requested =
      false; /* an application's EOS (gst-launch-1.0 -e): end the stream */
  std::unique_ptr<RtspControl> control;
  GCancellable *cancellable = nullptr;
  std::thread worker;

  /* The worker's alone. */
  std::vector<std::unique_ptr<Output> > outputs;
  dvr::SessionZero zero;
  GstClock *clock = nullptr;
  GstClockTime base_time = 0;
  gint64 arrival = 0; /* running time of the bytes being parsed */
  guint32 own_ssrc = 0;
};

struct _GstDvrRtspSrc
{
  GstElement parent;
  GstDvrRtspSrcPrivate *priv;
};

#define gst_dvr_rtsp_src_parent_class parent_class
G_DEFINE_TYPE_WITH_CODE (GstDvrRtspSrc, gst_dvr_rtsp_src, GST_TYPE_ELEMENT,
    GST_DEBUG_CATEGORY_INIT (
        dvr_rtsp_src_debug, "dvrrtspsrc", 0, "lean RTSP camera source"));
GST_ELEMENT_REGISTER_DEFINE (
    dvrrtspsrc, "dvrrtspsrc", GST_RANK_NONE, GST_TYPE_DVR_RTSP_SRC);

static void
post_failure (GstDvrRtspSrc *self, const RtspFailure &f)
{
  switch (f.kind) {
  case RtspFailure::Kind::kConnect:
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not open resource for reading."), ("%s", f.detail.c_str ()));
    break;
  case RtspFailure::Kind::kUnauthorized:
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_AUTHORIZED,
        ("Unauthorized: the camera refused the credentials (401)"),
        ("%s", f.detail.c_str ()));
    break;
  case RtspFailure::Kind::kNotFound:
    GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("Not found (404)"),
        ("%s", f.detail.c_str ()));
    break;
  case RtspFailure::Kind::kRefused:
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("The camera refused the request"), ("%s", f.detail.c_str ()));
    break;
  case RtspFailure::Kind::kProtocol:
    /* STREAM, not RESOURCE: the launcher tries rtspsrc on this camera. */
    GST_ELEMENT_ERROR (self, STREAM, FAILED,
        ("The camera answered in a way the lean RTSP source cannot use"),
        ("%s", f.detail.c_str ()));
    break;
  case RtspFailure::Kind::kIo:
    GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Could not read from the camera"),
        ("%s", f.detail.c_str ()));
    break;
  case RtspFailure::Kind::kNone:
  case RtspFailure::Kind::kCancelled:
    break;
  }
}

static gboolean
src_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gst_query_set_latency (query, TRUE, LATENCY, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return gst_pad_query_default (pad, parent, query);
}

/* Running time now, by the pipeline's clock. */
static gint64
running_time_now (GstDvrRtspSrcPrivate *priv)
{
  if (!priv->clock)
    return (gint64)(g_get_monotonic_time () * 1000);
  return (gint64)(gst_clock_get_time (priv->clock) - priv->base_time);
}

static void
push_buffer (Output *out, GstBuffer *buf)
{
  if (out->discont) {
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DISCONT);
    out->discont = false;
  }
  GstFlowReturn ret = gst_pad_push (out->pad, buf);
  if (ret == GST_FLOW_NOT_LINKED) {
    if (!out->not_linked_logged)
      GST_WARNING_OBJECT (out->pad, "not linked: its buffers are dropped");
    out->not_linked_logged = true;
  }
  out->flow = ret;
}

static GstClockTime
pts_of (Output *out, guint32 rtp_timestamp)
{
  GstDvrRtspSrcPrivate *priv = out->self->priv;
  bool discont = false;
  gint64 pts = out->clock->running_time (
      rtp_timestamp, priv->arrival, &priv->zero, &discont);
  if (discont) {
    GST_INFO_OBJECT (out->pad,
        "RTP time jumped: timestamps start again from the arrival time");
    out->discont = true;
  }
  return pts < 0 ? 0 : (GstClockTime)pts;
}

static void
emit_access_unit (Output *out, const dvr::AccessUnit &au)
{
  /* The depayloader's vector becomes the buffer's memory: no copy. */
  auto *bytes = new std::vector<uint8_t> (std::move (*au.storage));
  GstBuffer *buf = gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY,
      bytes->data (), bytes->size (), 0, bytes->size (), bytes,
      [] (gpointer p) { delete static_cast<std::vector<uint8_t> *> (p); });
  GST_BUFFER_PTS (buf) = pts_of (out, au.timestamp);
  if (!au.keyframe)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  if (au.discont)
    out->discont = true;
  push_buffer (out, buf);
}

static void
emit_audio (Output *out, const guint8 *data, gsize size, guint32 timestamp,
    bool discont, guint64 samples)
{
  GstBuffer *buf = gst_buffer_new_memdup (data, size);
  GST_BUFFER_PTS (buf) = pts_of (out, timestamp);
  GST_BUFFER_DURATION (buf) = gst_util_uint64_scale_int (
      samples, GST_SECOND, (gint)out->media.clock_rate);
  if (discont)
    out->discont = true;
  push_buffer (out, buf);
}

static std::unique_ptr<Output>
make_output (GstDvrRtspSrc *self, const MediaDescription &media)
{
  auto out = std::make_unique<Output> ();
  Output *o = out.get ();
  o->self = self;
  o->media = media;
  if (media.is_video ()) {
    o->video = std::make_unique<dvr::RtpVideoDepayloader> (
        media.kind == MediaKind::kH264 ? dvr::VideoCodec::kH264
                                       : dvr::VideoCodec::kH265,
        [o] (const dvr::AccessUnit &au) { emit_access_unit (o, au); });
    o->video->set_parameter_sets (media.parameter_sets);
  } else if (media.kind == MediaKind::kAac) {
    o->aac = std::make_unique<dvr::RtpAacDepayloader> (
        media.aac_layout, [o] (const dvr::AacFrame &f) {
          emit_audio (o, f.data, f.size, f.timestamp, f.discont,
              o->media.aac_layout.samples_per_frame);
        });
  }
  return out;
}

/* The pad of an output, with its sticky events in place, added to the element. */
static void
add_pad (GstDvrRtspSrc *self, Output *out, guint group_id)
{
  const char *name = out->media.is_video () ? "video" : "audio";
  GstStaticPadTemplate *templ =
      out->media.is_video () ? &video_template : &audio_template;
  out->pad = gst_pad_new_from_static_template (templ, name);
  gst_pad_set_query_function (out->pad, src_query);
  gst_pad_use_fixed_caps (out->pad);
  gst_pad_set_active (out->pad, TRUE);
  g_autofree gchar *id =
      gst_pad_create_stream_id (out->pad, GST_ELEMENT (self), name);
  GstEvent *start = gst_event_new_stream_start (id);
  gst_event_set_group_id (start, group_id);
  gst_pad_store_sticky_event (out->pad, start);
  gst_event_unref (start);
  g_autoptr (GstCaps) caps = media_caps (out->media);
  GstEvent *caps_event = gst_event_new_caps (caps);
  gst_pad_store_sticky_event (out->pad, caps_event);
  gst_event_unref (caps_event);
  GstSegment segment;
  gst_segment_init (&segment, GST_FORMAT_TIME);
  GstEvent *seg = gst_event_new_segment (&segment);
  gst_pad_store_sticky_event (out->pad, seg);
  gst_event_unref (seg);
  GST_DEBUG_OBJECT (self, "%s pad with %" GST_PTR_FORMAT, name, caps);
  gst_element_add_pad (GST_ELEMENT (self), out->pad);
}

static void
dispatch_packet (
    GstDvrRtspSrc *self, guint8 channel, const guint8 *data, gsize size)
{
  for (auto &o : self->priv->outputs) {
    Output *out = o.get ();
    if (channel == out->rtcp_channel) {
      dvr::SenderReport sr;
      if (dvr::find_sender_report (data, size, &sr)) {
        out->last_sr = (guint32)(sr.ntp >> 16);
        out->last_sr_at = g_get_monotonic_time ();
      }
      return;
    }
    if (channel != out->rtp_channel)
      continue;
    dvr::RtpPacket p;
    if (!dvr::parse_rtp_packet (data, size, &p)) {
      GST_LOG_OBJECT (self, "not an RTP packet on channel %u", channel);
      return;
    }
    if (p.payload_type != out->media.payload_type)
      return;
    out->sequence.note (p.ssrc, p.sequence);
    if (out->video)
      out->video->push (p);
    else if (out->aac)
      out->aac->push (p);
    else if (p.payload_size > 0)
      emit_audio (
          out, p.payload, p.payload_size, p.timestamp, false, p.payload_size);
    return;
  }
}

static void
send_receiver_reports (GstDvrRtspSrc *self)
{
  GstDvrRtspSrcPrivate *priv = self->priv;
  for (auto &o : priv->outputs) {
    if (!o->sequence.has_source () || o->rtcp_channel < 0)
      continue;
    dvr::ReceptionStats stats;
    stats.source_ssrc = o->sequence.ssrc ();
    stats.highest_sequence = o->sequence.extended_highest ();
    stats.last_sr = o->last_sr;
    if (o->last_sr)
      stats.delay_since_sr =
          (guint32)((g_get_monotonic_time () - o->last_sr_at) * 65536 /
                    G_USEC_PER_SEC);
    const std::vector<uint8_t> rr =
        dvr::receiver_report (priv->own_ssrc, stats, "dvrrtspsrc");
    priv->control->send_interleaved (
        (guint8)o->rtcp_channel, rr.data (), rr.size ());
  }
}

enum class StreamEnd
{
  kStopped,    /* the element is stopping */
  kHungUp,     /* the camera closed the connection */
  kFailed,     /* an error was posted */
  kDownstream, /* downstream stopped taking buffers */
};

/* The most severe flow of all outputs: NOT_LINKED counts only when every
 * output is unlinked. */
static GstFlowReturn
combined_flow (GstDvrRtspSrcPrivate *priv)
{
  bool all_not_linked = !priv->outputs.empty ();
  for (auto &o : priv->outputs) {
    if (o->flow != GST_FLOW_NOT_LINKED)
      all_not_linked = false;
    if (o->flow < GST_FLOW_NOT_LINKED || o->flow == GST_FLOW_EOS)
      return o->flow;
  }
  return all_not_linked ? GST_FLOW_NOT_LINKED : GST_FLOW_OK;
}

/* True when downstream takes no more buffers, with how the stream ends
 * (an error is posted for a flow error). */
static bool
downstream_stopped (
    GstDvrRtspSrc *self, GstDvrRtspSrcPrivate *priv, StreamEnd *end)
{
  const GstFlowReturn flow = combined_flow (priv);
  if (flow == GST_FLOW_OK)
    return false;
  if (flow == GST_FLOW_FLUSHING) {
    *end = StreamEnd::kStopped;
  } else if (flow == GST_FLOW_EOS) {
    *end = StreamEnd::kDownstream;
  } else {
    GST_ELEMENT_FLOW_ERROR (self, flow);
    *end = StreamEnd::kFailed;
  }
  return true;
}

/* Holds the cancellable's file descriptor while the socket is read: GSocket
 * would otherwise make and close one (two syscalls) every time it waits. */
struct CancellableFd
{
  GCancellable *cancellable;
  GPollFD fd;
  explicit CancellableFd (GCancellable *c) : cancellable (c)
  {
    g_cancellable_make_pollfd (cancellable, &fd);
  }
  ~CancellableFd () { g_cancellable_release_fd (cancellable); }
};

/* rtsps://: GstRTSPConnection holds the TLS stream, so the media comes a
 * message at a time through it; plain RTSP keeps the cheaper path below. */
static StreamEnd
read_media_tls (GstDvrRtspSrc *self, guint timeout_s, guint keep_alive_s)
{
  GstDvrRtspSrcPrivate *priv = self->priv;
  gint64 now = g_get_monotonic_time ();
  gint64 last_data = now;
  gint64 next_keep_alive = now + (gint64)keep_alive_s * G_USEC_PER_SEC;
  gint64 next_report = now + G_USEC_PER_SEC;
  for (;;) {
    GstRTSPMessage msg = {};
    const GstRTSPResult res = priv->control->receive (&msg, G_USEC_PER_SEC);
    now = g_get_monotonic_time ();
    if (res == GST_RTSP_EINTR ||
        g_cancellable_is_cancelled (priv->cancellable)) {
      gst_rtsp_message_unset (&msg);
      return StreamEnd::kStopped;
    }
    if (res == GST_RTSP_EEOF) {
      gst_rtsp_message_unset (&msg);
      return StreamEnd::kHungUp;
    }
    if (res == GST_RTSP_OK) {
      last_data = now;
      priv->arrival = running_time_now (priv);
      if (gst_rtsp_message_get_type (&msg) == GST_RTSP_MESSAGE_DATA) {
        guint8 channel = 0;
        gst_rtsp_message_parse_data (&msg, &channel);
        guint8 *data = nullptr;
        guint size = 0;
        gst_rtsp_message_get_body (&msg, &data, &size);
        dispatch_packet (self, channel, data, size);
      }
    } else if (res != GST_RTSP_ETIMEOUT) {
      g_autofree gchar *why = gst_rtsp_strresult (res);
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
          ("Could not read from the camera"),
          ("reading from %s: %s", priv->control->url ().c_str (), why));
      gst_rtsp_message_unset (&msg);
      return StreamEnd::kFailed;
    }
    gst_rtsp_message_unset (&msg);
    if (now - last_data > (gint64)timeout_s * G_USEC_PER_SEC) {
      GST_ELEMENT_ERROR (self, RESOURCE, READ, ("The camera sent nothing"),
          ("nothing from %s for %u s", priv->control->url ().c_str (),
              timeout_s));
      return StreamEnd::kFailed;
    }
    StreamEnd stop;
    if (downstream_stopped (self, priv, &stop))
      return stop;
    if (now >= next_keep_alive) {
      priv->control->send_keep_alive ();
      next_keep_alive = now + (gint64)keep_alive_s * G_USEC_PER_SEC;
    }
    if (now >= next_report) {
      send_receiver_reports (self);
      next_report = now + RECEIVER_REPORT_INTERVAL;
    }
  }
}

static StreamEnd
read_media (GstDvrRtspSrc *self, guint timeout_s, guint keep_alive_s)
{
  if (self->priv->control->secure ())
    return read_media_tls (self, timeout_s, keep_alive_s);
  GstDvrRtspSrcPrivate *priv = self->priv;
  GSocket *sock = priv->control->socket ();
  CancellableFd keep_fd (priv->cancellable);
  dvr::InterleavedBuffer buf (READ_SIZE);
  gint64 now = g_get_monotonic_time ();
  gint64 last_data = now;
  gint64 next_keep_alive = now + (gint64)keep_alive_s * G_USEC_PER_SEC;
  gint64 next_report = now + G_USEC_PER_SEC;
  /* Wake up once a second when the camera is silent, for the timers. */
  g_socket_set_timeout (sock, 1);
  for (;;) {
    g_autoptr (GError) error = nullptr;
    /* Plain RTSP reads the socket, one syscall a read. */
    const gssize n = g_socket_receive_with_blocking (sock, (gchar *)buf.room (),
        buf.room_size (), TRUE, priv->cancellable, &error);
    now = g_get_monotonic_time ();
    if (n == 0)
      return StreamEnd::kHungUp;
    if (n < 0) {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return StreamEnd::kStopped;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
        GST_ELEMENT_ERROR (self, RESOURCE, READ,
            ("Could not read from the camera"),
            ("reading from %s: %s", priv->control->url ().c_str (),
                error->message));
        return StreamEnd::kFailed;
      }
      if (now - last_data > (gint64)timeout_s * G_USEC_PER_SEC) {
        GST_ELEMENT_ERROR (self, RESOURCE, READ, ("The camera sent nothing"),
            ("nothing from %s for %u s", priv->control->url ().c_str (),
                timeout_s));
        return StreamEnd::kFailed;
      }
    } else {
      buf.filled ((gsize)n);
      last_data = now;
      priv->arrival = running_time_now (priv);
      dvr::InterleavedItem item;
      while (buf.next (&item)) {
        if (item.kind == dvr::InterleavedItem::Kind::kPacket) {
          dispatch_packet (self, item.channel, item.payload, item.size);
        } else if (item.kind == dvr::InterleavedItem::Kind::kRtspMessage) {
          const int code = dvr::rtsp_status_code (item.payload, item.size);
          if (code != 200)
            GST_INFO_OBJECT (
                self, "the camera answered a keep-alive with %d", code);
        } else {
          GST_DEBUG_OBJECT (self,
              "skipped %" G_GSIZE_FORMAT " bytes of lost framing", item.size);
        }
      }
      StreamEnd stop;
      if (downstream_stopped (self, priv, &stop))
        return stop;
    }
    bool sent = false;
    if (now >= next_keep_alive) {
      priv->control->send_keep_alive ();
      next_keep_alive = now + (gint64)keep_alive_s * G_USEC_PER_SEC;
      sent = true;
    }
    if (now >= next_report) {
      send_receiver_reports (self);
      next_report = now + RECEIVER_REPORT_INTERVAL;
      sent = true;
    }
    /* Sending through the connection resets the socket's timeout. */
    if (sent)
      g_socket_set_timeout (sock, 1);
  }
}

static void
push_eos (GstDvrRtspSrc *self)
{
  for (auto &o : self->priv->outputs) {
    if (o->video)
      o->video->flush ();
    gst_pad_push_event (o->pad, gst_event_new_eos ());
  }
}

/* Sets up the session and adds the pads; false when an error was posted or
 * the element is stopping. */
static bool
set_up (GstDvrRtspSrc *self, RtspFailure *failure)
{
  GstDvrRtspSrcPrivate *priv = self->priv;
  RtspControl &control = *priv->control;
  if (!control.connect (failure) || !control.options (failure))
    return false;
  std::string sdp_text, content_base;
  if (!control.describe (&sdp_text, &content_base, failure))
    return false;
  GstSDPMessage *sdp = nullptr;
  gst_sdp_message_new (&sdp);
  gst_sdp_message_parse_buffer (
      (const guint8 *)sdp_text.data (), (guint)sdp_text.size (), sdp);
  /* RFC 2326 C.1.1: a session-level control attribute names the aggregate
   * URL that PLAY and the rest go to; without one, the base does. */
  const gchar *session_control =
      gst_sdp_message_get_attribute_val (sdp, "control");
  control.set_aggregate_url (dvr::aggregate_control_url (
      content_base, session_control ? session_control : ""));
  GST_DEBUG_OBJECT (self, "base %s, aggregate control %s",
      content_base.c_str (), control.aggregate_url ().c_str ());
  std::string skipped;
  std::vector<MediaDescription> streams =
      recordable_streams (sdp, content_base, &skipped);
  gst_sdp_message_free (sdp);
  if (!skipped.empty ())
    GST_INFO_OBJECT (self, "%s", skipped.c_str ());
  if (streams.empty ()) {
    GST_ELEMENT_ERROR (self, STREAM, CODEC_NOT_FOUND,
        ("The camera sends no stream that can be recorded"),
        ("%s: %s", control.url ().c_str (), skipped.c_str ()));
    return false;
  }
  int channel = 0;
  for (const auto &media : streams) {
    auto out = make_output (self, media);
    if (!control.setup (media.control_url, channel, &out->rtp_channel,
            &out->rtcp_channel, failure))
      return false;
    channel += 2;
    priv->outputs.push_back (std::move (out));
  }
  const guint group_id = gst_util_group_id_next ();
  for (auto &o : priv->outputs)
    add_pad (self, o.get (), group_id);
  gst_element_no_more_pads (GST_ELEMENT (self));
  return true;
}

static void
run (GstDvrRtspSrc *self)
{
  GstDvrRtspSrcPrivate *priv = self->priv;
  Settings settings;
  {
    std::lock_guard<std::mutex> lock (priv->settings_lock);
    settings = priv->settings;
  }
  RtspFailure failure;
  if (!set_up (self, &failure)) {
    post_failure (self, failure);
    return;
  }
  {
    std::unique_lock<std::mutex> lock (priv->state_lock);
    priv->state_changed.wait (
        lock, [priv] { return priv->playing || priv->stopping; });
    if (priv->stopping)
      return;
  }
  priv->clock = gst_element_get_clock (GST_ELEMENT (self));
  priv->base_time = gst_element_get_base_time (GST_ELEMENT (self));
  std::string rtp_info_text;
  if (!priv->control->play (&rtp_info_text, &failure)) {
    post_failure (self, failure);
    return;
  }
  const std::vector<dvr::RtpInfo> infos = dvr::parse_rtp_info (rtp_info_text);
  for (size_t i = 0; i < priv->outputs.size (); i++) {
    Output *o = priv->outputs[i].get ();
    const dvr::RtpInfo *info =
        dvr::rtp_info_for (infos, o->media.control_url, i);
    std::optional<uint32_t> rtptime;
    if (info && info->has_rtptime)
      rtptime = info->rtptime;
    o->clock =
        std::make_unique<dvr::RtpClockMapping> (o->media.clock_rate, rtptime);
  }
  {
    std::lock_guard<std::mutex> lock (priv->state_lock);
    if (priv->stopping)
      return;
    priv->streaming = true;
  }
  const guint keep_alive =
      settings.keep_alive ? settings.keep_alive
                          : MAX (1u, priv->control->session_timeout () / 2);
  GST_DEBUG_OBJECT (self, "playing; keep-alive every %u s", keep_alive);
  switch (read_media (self, settings.timeout, keep_alive)) {
  case StreamEnd::kStopped: {
    priv->control->resume ();
    priv->control->teardown (TEARDOWN_TIMEOUT);
    std::lock_guard<std::mutex> lock (priv->state_lock);
    if (!priv->eos_requested)
      break;
  }
    /* An EOS sent to the element: what was received is handed on, then EOS. */
    push_eos (self);
    break;
  case StreamEnd::kHungUp:
    GST_INFO_OBJECT (self, "the camera closed the connection: end of stream");
    push_eos (self);
    break;
  case StreamEnd::kFailed:
    push_eos (self);
    break;
  case StreamEnd::kDownstream:
    priv->control->teardown (TEARDOWN_TIMEOUT);
    push_eos (self);
    break;
  }
}

static void
start (GstDvrRtspSrc *self)
{
  GstDvrRtspSrcPrivate *priv = self->priv;
  Settings settings;
  {
    std::lock_guard<std::mutex> lock (priv->settings_lock);
    settings = priv->settings;
  }
  priv->playing = false;
  priv->stopping = false;
  priv->streaming = false;
  priv->eos_requested = false;
  priv->zero = dvr::SessionZero ();
  priv->own_ssrc = g_random_int ();
  priv->cancellable = g_cancellable_new ();
  priv->control = std::make_unique<RtspControl> (settings.location,
      settings.user, settings.password,
      (guint64)settings.timeout * G_USEC_PER_SEC, settings.tls);
  std::fill (settings.password.begin (), settings.password.end (), '\0');
  priv->worker = std::thread ([self] { run (self); });
}

static void
stop (GstDvrRtspSrc *self)
{
  GstDvrRtspSrcPrivate *priv = self->priv;
  {
    std::lock_guard<std::mutex> lock (priv->state_lock);
    priv->stopping = true;
    /* While streaming the worker reads with the cancellable and says
     * TEARDOWN on its way out; before, a blocking exchange is cut short. */
    if (priv->streaming)
      g_cancellable_cancel (priv->cancellable);
    if (priv->control && (!priv->streaming || priv->control->secure ()))
      priv->control->interrupt ();
  }
  priv->state_changed.notify_all ();
}

static void
join (GstDvrRtspSrc *self)
{
  GstDvrRtspSrcPrivate *priv = self->priv;
  if (priv->worker.joinable ())
    priv->worker.join ();
  for (auto &o : priv->outputs)
    if (o->pad)
      gst_element_remove_pad (GST_ELEMENT (self), o->pad);
  priv->outputs.clear ();
  priv->control.reset ();
  g_clear_object (&priv->cancellable);
  if (priv->clock)
    gst_object_unref (priv->clock);
  priv->clock = nullptr;
}

/* An EOS sent to the element (gst-launch-1.0 -e, an application stopping
 * cleanly) ends the session and the stream, so that the recording is closed. */
static gboolean
gst_dvr_rtsp_src_send_event (GstElement *element, GstEvent *event)
{
  GstDvrRtspSrcPrivate *priv = GST_DVR_RTSP_SRC (element)->priv;
  if (GST_EVENT_TYPE (event) != GST_EVENT_EOS)
    return GST_ELEMENT_CLASS (parent_class)->send_event (element, event);
  gst_event_unref (event);
  std::lock_guard<std::mutex> lock (priv->state_lock);
  if (!priv->streaming || !priv->cancellable)
    return FALSE;
  priv->eos_requested = true;
  g_cancellable_cancel (priv->cancellable);
  if (priv->control->secure ())
    priv->control->interrupt ();
  return TRUE;
}

static GstStateChangeReturn
gst_dvr_rtsp_src_change_state (GstElement *element, GstStateChange transition)
{
  GstDvrRtspSrc *self = GST_DVR_RTSP_SRC (element);
  GstDvrRtspSrcPrivate *priv = self->priv;
  switch (transition) {
  case GST_STATE_CHANGE_READY_TO_PAUSED: {
    std::string location;
    {
      std::lock_guard<std::mutex> lock (priv->settings_lock);
      location = priv->settings.location;
    }
    GstRTSPUrl *url = nullptr;
    if (location.empty () ||
        gst_rtsp_url_parse (dvr::without_user_info (location).c_str (), &url) !=
            GST_RTSP_OK) {
      GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND,
          ("No valid rtsp:// or rtsps:// location given"), (NULL));
      return GST_STATE_CHANGE_FAILURE;
    }
    gst_rtsp_url_free (url);
    start (self);
    break;
  }
  case GST_STATE_CHANGE_PAUSED_TO_PLAYING: {
    std::lock_guard<std::mutex> lock (priv->state_lock);
    priv->playing = true;
    priv->state_changed.notify_all ();
    break;
  }
  case GST_STATE_CHANGE_PAUSED_TO_READY:
    stop (self);
    break;
  default:
    break;
  }
  GstStateChangeReturn ret =
      GST_ELEMENT_CLASS (parent_class)->change_state (element, transition);
  if (ret == GST_STATE_CHANGE_FAILURE)
    return ret;
  switch (transition) {
  case GST_STATE_CHANGE_READY_TO_PAUSED:
  case GST_STATE_CHANGE_PLAYING_TO_PAUSED:
    /* A live source: nothing to preroll. */
    return GST_STATE_CHANGE_NO_PREROLL;
  case GST_STATE_CHANGE_PAUSED_TO_READY:
    join (self);
    break;
  default:
    break;
  }
  return ret;
}

static void
gst_dvr_rtsp_src_set_property (
    GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstDvrRtspSrcPrivate *priv = GST_DVR_RTSP_SRC (object)->priv;
  std::lock_guard<std::mutex> lock (priv->settings_lock);
  Settings &s = priv->settings;
  const gchar *str;
  switch (prop_id) {
  case PROP_LOCATION:
    str = g_value_get_string (value);
    s.location = str ? str : "";
    break;
  case PROP_USER_ID:
    str = g_value_get_string (value);
    s.user = str ? str : "";
    break;
  case PROP_USER_PW:
    std::fill (s.password.begin (), s.password.end (), '\0');
    str = g_value_get_string (value);
    s.password = str ? str : "";
    break;
  case PROP_TIMEOUT:
    s.timeout = g_value_get_uint (value);
    break;
  case PROP_KEEP_ALIVE:
    s.keep_alive = g_value_get_uint (value);
    break;
  case PROP_TLS_VALIDATION:
    s.tls.validate = g_value_get_boolean (value);
    break;
  case PROP_TLS_FINGERPRINT:
    str = g_value_get_string (value);
    s.tls.fingerprint = str ? str : "";
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_dvr_rtsp_src_get_property (
    GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstDvrRtspSrcPrivate *priv = GST_DVR_RTSP_SRC (object)->priv;
  std::lock_guard<std::mutex> lock (priv->settings_lock);
  const Settings &s = priv->settings;
  switch (prop_id) {
  case PROP_LOCATION:
    g_value_set_string (
        value, s.location.empty () ? nullptr : s.location.c_str ());
    break;
  case PROP_USER_ID:
    g_value_set_string (value, s.user.empty () ? nullptr : s.user.c_str ());
    break;
  case PROP_TIMEOUT:
    g_value_set_uint (value, s.timeout);
    break;
  case PROP_KEEP_ALIVE:
    g_value_set_uint (value, s.keep_alive);
    break;
  case PROP_TLS_VALIDATION:
    g_value_set_boolean (value, s.tls.validate);
    break;
  case PROP_TLS_FINGERPRINT:
    g_value_set_string (value,
        s.tls.fingerprint.empty () ? nullptr : s.tls.fingerprint.c_str ());
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
gst_dvr_rtsp_src_finalize (GObject *object)
{
  GstDvrRtspSrc *self = GST_DVR_RTSP_SRC (object);
  std::fill (self->priv->settings.password.begin (),
      self->priv->settings.password.end (), '\0');
  delete self->priv;
  G_OBJECT_CLASS (parent_class)->finalize (object);
}

static void
gst_dvr_rtsp_src_class_init (GstDvrRtspSrcClass *klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  const GParamFlags rw =
      (GParamFlags)(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
                    GST_PARAM_MUTABLE_READY);

  gobject_class->set_property = gst_dvr_rtsp_src_set_property;
  gobject_class->get_property = gst_dvr_rtsp_src_get_property;
  gobject_class->finalize = gst_dvr_rtsp_src_finalize;

  g_object_class_install_property (gobject_class, PROP_LOCATION,
      g_param_spec_string ("location", "Location",
          "rtsp:// URL of the camera's stream; user info in it is used as credentials "
          "unless user-id/user-pw are set",
          DEFAULT_LOCATION, rw));
  g_object_class_install_property (gobject_class, PROP_USER_ID,
      g_param_spec_string ("user-id", "User ID",
          "User name for the camera's authentication", DEFAULT_USER_ID, rw));
  /* Write-only: the password cannot be read back, so no dump or inspector shows it. */
  g_object_class_install_property (gobject_class, PROP_USER_PW,
      g_param_spec_string ("user-pw", "User password",
          "Password for the camera's authentication (write-only; never logged)",
          NULL,
          (GParamFlags)(G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS |
                        GST_PARAM_MUTABLE_READY)));
  g_object_class_install_property (gobject_class, PROP_TIMEOUT,
      g_param_spec_uint ("timeout", "Timeout",
          "Seconds to wait for the camera: to connect, for each answer, and for any data while "
          "playing (then a READ error)",
          1, 3600, DEFAULT_TIMEOUT, rw));
  g_object_class_install_property (gobject_class, PROP_KEEP_ALIVE,
      g_param_spec_uint ("keep-alive", "Keep-alive interval",
          "Seconds between keep-alive requests; 0: half the session timeout the camera announces",
          0, 3600, DEFAULT_KEEP_ALIVE, rw));
  g_object_class_install_property (gobject_class, PROP_TLS_VALIDATION,
      g_param_spec_boolean ("tls-validation", "TLS validation",
          "rtsps://: check the camera's certificate (chain and host name); false takes any certificate",
          DEFAULT_TLS_VALIDATION, rw));
  g_object_class_install_property (gobject_class, PROP_TLS_FINGERPRINT,
      g_param_spec_string ("tls-fingerprint", "TLS certificate fingerprint",
          "rtsps://: SHA-256 of the camera's certificate (hex, colons allowed), accepted when the "
          "checks fail, as for a self-signed certificate",
          DEFAULT_TLS_FINGERPRINT, rw));

  element_class->change_state =
      GST_DEBUG_FUNCPTR (gst_dvr_rtsp_src_change_state);
  element_class->send_event = GST_DEBUG_FUNCPTR (gst_dvr_rtsp_src_send_event);
  gst_element_class_add_static_pad_template (element_class, &video_template);
  gst_element_class_add_static_pad_template (element_class, &audio_template);
  gst_element_class_set_static_metadata (element_class, "DVR RTSP source",
      "Source/Network",
      "Receives an RTSP camera over TCP, depayloaded for recording: "
      "H.264/H.265 access units, AAC or G.711 audio",
      "Stream DVR developers");
}

static void
gst_dvr_rtsp_src_init (GstDvrRtspSrc *self)
{
  self->priv = new GstDvrRtspSrcPrivate ();
  GST_OBJECT_FLAG_SET (self, GST_ELEMENT_FLAG_SOURCE);
}
