/* Audio that stops without a word (a camera's microphone branch stalls: no
 * GAP, no EOS) would make splitmuxsink hold the video back without bound, and
 * the lean writer hold it for up to half a second at a time. dvrsink watches
 * both streams (dvr::AudioStallWatch decides when audio stalled) and fills the
 * hole with silent AAC-LC frames from a thread of its own; at the video's EOS
 * it ends an audio stream that went silent. */
#include <cstring>

#include "aac.h"
#include "dvrsink_private.h"
#include "running_time.h"

#define GST_CAT_DEFAULT dvr_sink_debug

/* Watches what enters the audio pad: how far audio has come, and its EOS. */
static GstPadProbeReturn
audio_probe (GstPad *, GstPadProbeInfo *info, gpointer user_data)
{
  DvrSinkAudioWatchdog &audio = GST_DVR_SINK (user_data)->priv->audio;
  std::lock_guard<std::mutex> lock (audio.lock);
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_BUFFER) {
    GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
    GstClockTime end = GST_BUFFER_PTS (buf);
    if (GST_CLOCK_TIME_IS_VALID (end) && GST_BUFFER_DURATION_IS_VALID (buf))
      end += GST_BUFFER_DURATION (buf);
    audio.watch.audio_buffer (
        dvr_running_time (&audio.audio_segment, end), g_get_monotonic_time ());
  } else if (GST_PAD_PROBE_INFO_TYPE (info) &
             GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
    if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT) {
      const GstSegment *segment;
      gst_event_parse_segment (event, &segment);
      gst_segment_copy_into (segment, &audio.audio_segment);
      audio.watch.audio_segment ();
    } else if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
      audio.watch.audio_eos ();
    } else if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP) {
      audio.watch.audio_flushed ();
    }
  }
  return GST_PAD_PROBE_OK;
}

/* Sends an event into the writer's audio pad, but only if no audio thread is
 * inside it right now: that thread is then not stalled after all, and waiting
 * for it from the video thread could deadlock. */
static bool
send_to_audio (GstDvrSink *self, GstEvent *event)
{
  GstPad *target = self->audio_pad ? gst_ghost_pad_get_target (
                                         GST_GHOST_PAD (self->audio_pad))
                                   : nullptr;
  bool sent = false;
  if (target && GST_PAD_STREAM_TRYLOCK (target)) {
    sent = gst_pad_send_event (target, event);
    event = nullptr;
    GST_PAD_STREAM_UNLOCK (target);
  }
  if (event)
    gst_event_unref (event);
  if (target)
    gst_object_unref (target);
  return sent;
}

static void
finish_silent_audio (GstElement *element, gpointer)
{
  GstDvrSink *self = GST_DVR_SINK (element);
  /* Give a live audio source a moment to end by itself. */
  g_usleep (G_USEC_PER_SEC);
  for (int attempt = 0; attempt < 50; attempt++) {
    {
      std::lock_guard<std::mutex> lock (self->priv->audio.lock);
      if (self->priv->audio.watch.audio_ended ())
        return;
    }
    if (send_to_audio (self, gst_event_new_eos ())) {
      GST_INFO_OBJECT (self, "audio had stopped: ended it with the video");
      return;
    }
    g_usleep (100 * 1000);
  }
}

/* On the video path, after dvrindex: how far the video has come, and its EOS.
 */
static GstPadProbeReturn
video_probe (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstDvrSink *self = GST_DVR_SINK (user_data);
  if (!self->audio_pad)
    return GST_PAD_PROBE_OK;
  if (GST_PAD_PROBE_INFO_TYPE (info) & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
    if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
      gst_element_call_async (
          GST_ELEMENT (self), finish_silent_audio, nullptr, nullptr);
    return GST_PAD_PROBE_OK;
  }
  GstEvent *sticky = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  if (!sticky)
    return GST_PAD_PROBE_OK;
  const GstSegment *segment;
  gst_event_parse_segment (sticky, &segment);
  gint64 rt = dvr_running_time (
      segment, GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info)));
  gst_event_unref (sticky);
  std::lock_guard<std::mutex> lock (self->priv->audio.lock);
  self->priv->audio.watch.video_buffer (rt);
  return GST_PAD_PROBE_OK;
}

/* Silent frames covering [from, until) in running time, for the caps the audio
 * pad has; NULL when the stream is not AAC-LC mono or stereo. */
static GstBufferList *
silent_audio (
    GstCaps *caps, const GstSegment *segment, gint64 from, gint64 until)
{
  const GstStructure *s = gst_caps_get_structure (caps, 0);
  gint rate = 0, channels = 0;
  const gchar *format = gst_structure_get_string (s, "stream-format");
  if (!gst_structure_get_int (s, "rate", &rate) ||
      !gst_structure_get_int (s, "channels", &channels) || rate <= 0 ||
      channels < 1 || channels > 2 || !format)
    return nullptr;
  const gchar *profile = gst_structure_get_string (s, "profile");
  if (profile && !g_str_equal (profile, "lc"))
    return nullptr;
  const gint rate_index = dvr::aac_rate_index (rate);
  const bool adts = g_str_equal (format, "adts");
  if (rate_index < 0 || (!adts && !g_str_equal (format, "raw")))
    return nullptr;
  const std::vector<uint8_t> frame =
      dvr::silent_aac_frame ((guint)channels, adts, (guint)rate_index);
  const gint64 duration = dvr::aac_frame_duration_ns (rate);
  GstBufferList *list = gst_buffer_list_new ();
  for (gint64 rt = from; rt + duration <= until; rt += duration) {
    guint64 pts = gst_segment_position_from_running_time (
        segment, GST_FORMAT_TIME, (guint64)rt);
    if (!GST_CLOCK_TIME_IS_VALID (pts))
      break;
    GstBuffer *buf = gst_buffer_new_memdup (frame.data (), frame.size ());
    GST_BUFFER_PTS (buf) = GST_BUFFER_DTS (buf) = pts;
    GST_BUFFER_DURATION (buf) = (GstClockTime)duration;
    gst_buffer_list_add (list, buf);
  }
  return list;
}

/* Pushes buffers into the writer's audio pad under the same rule as
 * send_to_audio: never while an audio thread is inside it. */
static bool
chain_to_audio (GstDvrSink *self, GstBufferList *list)
{
  GstPad *target = self->audio_pad ? gst_ghost_pad_get_target (
                                         GST_GHOST_PAD (self->audio_pad))
                                   : nullptr;
  bool sent = false;
  if (target && GST_PAD_STREAM_TRYLOCK (target)) {
    /* One by one: splitmuxsink counts progress from buffers, not lists. */
    sent = true;
    for (guint i = 0; i < gst_buffer_list_length (list) && sent; i++)
      sent = gst_pad_chain (target,
                 gst_buffer_ref (gst_buffer_list_get (list, i))) == GST_FLOW_OK;
    GST_PAD_STREAM_UNLOCK (target);
  }
  gst_buffer_list_unref (list);
  if (target)
    gst_object_unref (target);
  return sent;
}

static void
watch_audio (GstDvrSink *self)
{
  DvrSinkAudioWatchdog &audio = self->priv->audio;
  std::unique_lock<std::mutex> lock (audio.lock);
  while (audio.running) {
    audio.wake.wait_for (lock, std::chrono::milliseconds (250));
    gint64 from, until;
    if (!audio.running || !self->audio_pad ||
        !audio.watch.stalled (g_get_monotonic_time (), &from, &until))
      continue;
    /* splitmuxsink holds the video until the audio has caught up with it, and
     * takes only buffers as progress (a GAP moves its reference stream only).
     */
    GstCaps *caps = gst_pad_get_current_caps (self->audio_pad);
    GstBufferList *silence =
        caps ? silent_audio (caps, &audio.audio_segment, from, until) : nullptr;
    if (caps)
      gst_caps_unref (caps);
    if (!silence || gst_buffer_list_length (silence) == 0) {
      if (silence)
        gst_buffer_list_unref (silence);
      continue;
    }
    GstBuffer *last =
        gst_buffer_list_get (silence, gst_buffer_list_length (silence) - 1);
    const gint64 filled = (gint64)gst_segment_to_running_time (
        &audio.audio_segment, GST_FORMAT_TIME,
        GST_BUFFER_PTS (last) + GST_BUFFER_DURATION (last));
    lock.unlock ();
    bool sent = chain_to_audio (self, silence);
    lock.lock ();
    if (sent) {
      GST_LOG_OBJECT (self, "audio stalled: silence up to %" GST_STIME_FORMAT,
          GST_STIME_ARGS (filled));
      audio.watch.filled (filled);
    }
  }
}

void
dvr_sink_audio_watchdog_init (GstDvrSink *self)
{
  gst_segment_init (&self->priv->audio.audio_segment, GST_FORMAT_TIME);
}

void
dvr_sink_audio_watchdog_start (GstDvrSink *self)
{
  DvrSinkAudioWatchdog &audio = self->priv->audio;
  {
    std::lock_guard<std::mutex> lock (audio.lock);
    if (audio.running)
      return;
    audio.running = true;
    audio.watch.start ();
  }
  audio.thread = std::thread (watch_audio, self);
}

void
dvr_sink_audio_watchdog_stop (GstDvrSink *self)
{
  DvrSinkAudioWatchdog &audio = self->priv->audio;
  {
    std::lock_guard<std::mutex> lock (audio.lock);
    audio.running = false;
  }
  audio.wake.notify_all ();
  if (audio.thread.joinable ())
    audio.thread.join ();
}

void
dvr_sink_watch_audio_pad (GstDvrSink *self, GstPad *pad)
{
  gst_pad_add_probe (pad,
      (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER |
                        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      audio_probe, self, nullptr);
}

void
dvr_sink_watch_video_pad (GstDvrSink *self, GstPad *pad)
{
  gst_pad_add_probe (pad,
      (GstPadProbeType)(GST_PAD_PROBE_TYPE_BUFFER |
                        GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
      video_probe, self, nullptr);
}
