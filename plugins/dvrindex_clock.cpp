/* dvrindex: the wall clock of a recording. Captures the local clock (less the
 * pipeline latency) or the camera's RTCP clock for a buffer, compares the
 * recording's timeline (core/timeline.h) with them at every keyframe, and says
 * each step of either clock. */
#include "gstdvrindex-private.h"

#include "playlist.h"

/* The difference between the GStreamer NTP epoch (1900) and UNIX time. */
#define NTP_TO_UNIX_US (G_GINT64_CONSTANT (2208988800) * G_USEC_PER_SEC)

GType
gst_dvr_wall_clock_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
      {GST_DVR_WALL_CLOCK_LOCAL, "This machine's clock when the frame arrived",
          "local"},
      {GST_DVR_WALL_CLOCK_CAMERA,
          "The camera's clock (RTCP sender reports via "
          "GstReferenceTimestampMeta) while it agrees with the local clock",
          "camera"},
      {0, NULL, NULL},
  };
  if (g_once_init_enter (&type))
    g_once_init_leave (
        &type, g_enum_register_static ("GstDvrWallClock", values));
  return type;
}

/* Wall clock at which the buffer with input running time in_rt was captured:
 * now, less how long ago by the pipeline clock the buffer's running time was.
 * Returns FALSE when the pipeline is not running in real time (files). */
gboolean
dvr_index_detail::capture_wall_clock (
    GstDvrIndex *self, gint64 in_rt, gint64 *wall_us)
{
  gint64 now_us = g_get_real_time ();
  *wall_us = now_us;
  GstClock *clock = gst_element_get_clock (GST_ELEMENT (self));
  if (!clock)
    return FALSE;
  GstClockTime base = gst_element_get_base_time (GST_ELEMENT (self));
  GstClockTime clock_now = gst_clock_get_time (clock);
  gst_object_unref (clock);
  if (!GST_CLOCK_TIME_IS_VALID (base) || clock_now < base)
    return FALSE;
  gint64 lag = (gint64)(clock_now - base) - in_rt;
  if (lag < 0 || lag > 30 * GST_SECOND)
    return FALSE;
  *wall_us = now_us - lag / 1000;
  return TRUE;
}

/* The camera's own clock for this buffer, if asked for, present, and within the
 * tolerance of the local clock (camera clocks drift and get stepped). */
bool
dvr_index_detail::camera_wall_clock (GstDvrIndex *self, GstBuffer *buf,
    const Settings &settings, State &st, gint64 local_us, gint64 *wall_us)
{
  if (settings.wall_clock != GST_DVR_WALL_CLOCK_CAMERA)
    return false;
  static GstCaps *ntp_caps = gst_caps_new_empty_simple ("timestamp/x-ntp");
  GstReferenceTimestampMeta *meta =
      gst_buffer_get_reference_timestamp_meta (buf, ntp_caps);
  if (!meta)
    return false;
  gint64 camera_us = (gint64)(meta->timestamp / 1000) - NTP_TO_UNIX_US;
  if (ABS (camera_us - local_us) > (gint64)settings.clock_tolerance_ms * 1000) {
    if (st.camera_clock != CameraClockState::Refused) {
      GST_DEBUG_OBJECT (self, "camera clock %" G_GINT64_FORMAT " ms off",
          (camera_us - local_us) / 1000);
      st.camera_off_unsaid = camera_us - local_us;
    }
    st.camera_clock = CameraClockState::Refused;
    return false;
  }
  st.camera_clock = CameraClockState::Agrees;
  *wall_us = camera_us;
  return true;
}

/* The camera's RTCP clock for this buffer, if it has one (UNIX µs). */
static bool
camera_clock_reading (GstBuffer *buf, gint64 *camera_us)
{
  static GstCaps *ntp_caps = gst_caps_new_empty_simple ("timestamp/x-ntp");
  GstReferenceTimestampMeta *meta =
      gst_buffer_get_reference_timestamp_meta (buf, ntp_caps);
  if (!meta)
    return false;
  *camera_us = (gint64)(meta->timestamp / 1000) - NTP_TO_UNIX_US;
  return true;
}

/* Compares the recording's timeline with the clock at output running time
 * out_rt: drift is followed, a step re-anchors the timeline and marks the next
 * segment. A step of this machine's clock is noted in the index, so that the
 * footage before it ages by time that really passed; a step of the camera's
 * clock only leaves the camera's clock for the local one. */
ClockNews
dvr_index_detail::observe_clock_locked (GstDvrIndex *self, GstBuffer *buf,
    const Settings &settings, State &st, gint64 in_rt, gint64 out_rt)
{
  ClockNews news;
  /* The folder is copied only for news: this runs at every keyframe. */
  auto said = [&] () {
    if (news.step || news.camera_off_us)
      news.folder = st.index ? st.index->options ().folder : settings.location;
    return news;
  };
  /* Refused where a run began (camera_wall_clock): said from here. */
  news.camera_off_us = st.camera_off_unsaid;
  st.camera_off_unsaid.reset ();
  gint64 local;
  if (!capture_wall_clock (self, in_rt, &local) || !st.timeline.anchored ())
    return said ();
  const gint64 tolerance = (gint64)settings.clock_tolerance_ms * 1000;
  const gint64 expected = st.timeline.wall_at (out_rt);
  gint64 reference = local;
  gint64 camera;
  if (settings.wall_clock == GST_DVR_WALL_CLOCK_CAMERA &&
      camera_clock_reading (buf, &camera)) {
    if (ABS (camera - local) <= tolerance) {
      reference = camera;
      st.camera_clock = CameraClockState::Agrees;
    } else if (st.camera_clock != CameraClockState::Refused) {
      const bool was_in_use = st.camera_clock == CameraClockState::Agrees;
      st.camera_clock = CameraClockState::Refused;
      /* The camera's clock, in use, left the timeline while this machine's
       * stayed on it: the camera stepped. (The other way round, this
       * machine's clock stepped, and the observation below finds it.) A
       * camera whose first reading is off, the frames before it having none
       * (rtspsrc's before the first sender report), never labelled anything:
       * a wrong clock, not a step. */
      if (was_in_use && ABS (camera - expected) > st.timeline.tolerance_us () &&
          ABS (local - expected) <= st.timeline.tolerance_us ()) {
        st.timeline.begin (out_rt, expected, camera - expected);
        news.step = true;
        news.camera = true;
        news.step_us = camera - expected;
        news.before_us = expected;
        news.after_us = camera;
      } else {
        news.camera_off_us = camera - local;
      }
    }
  }
  dvr::ClockCheck check = st.timeline.observe (out_rt, reference);
  if (check.step) {
    news.step = true;
    news.camera = false;
    news.step_us = check.step_us;
    news.before_us = expected;
    news.after_us = reference;
    std::string step_error;
    if (st.index && !st.index->clock_stepped (check.step_us, &step_error))
      GST_WARNING_OBJECT (self, "%s", step_error.c_str ());
    if (st.open_step_rt == G_MAXINT64)
      st.open_step_rt = out_rt;
  }
  if (news.step)
    news.total = ++st.clock_steps;
  return said ();
}

/* Says that the camera's clock is too far off the local one to label
 * anything (a wrong zone, a clock never set): a warning, and an element
 * message "dvr-clock-camera-off" with the difference. The recording goes on
 * by the local clock, and takes the camera's up again once it agrees. */
static void
post_camera_clock_off (
    GstDvrIndex *self, const std::string &folder, gint64 off_us)
{
  GstStructure *fields = gst_structure_new (GST_DVR_CLOCK_CAMERA_OFF_MESSAGE,
      "folder", G_TYPE_STRING, folder.c_str (), "off", G_TYPE_INT64, off_us,
      "off-seconds", G_TYPE_DOUBLE, off_us / 1e6, NULL);
  GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, FAILED,
      ("The camera's clock is %+.3f s off this machine's, more than "
       "clock-tolerance: %s is labelled by this machine's clock until the "
       "camera's agrees",
          off_us / 1e6, folder.c_str ()),
      ("camera clock off by %" G_GINT64_FORMAT " us", off_us),
      ("details", GST_TYPE_STRUCTURE, fields, NULL));
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), fields));
}

/* Says a clock step: a warning an application can act on, and an element
 * message "dvr-clock-step" with its facts. No lock may be held. */
void
dvr_index_detail::post_clock_news (GstDvrIndex *self, const ClockNews &news)
{
  if (news.camera_off_us)
    post_camera_clock_off (self, news.folder, *news.camera_off_us);
  if (!news.step)
    return;
  std::string before = dvr::format_program_date_time (news.before_us);
  std::string after = dvr::format_program_date_time (news.after_us);
  GstStructure *fields = gst_structure_new (GST_DVR_CLOCK_STEP_MESSAGE,
      "folder", G_TYPE_STRING, news.folder.c_str (), "source", G_TYPE_STRING,
      news.camera ? "camera" : "system", "step", G_TYPE_INT64, news.step_us,
      "step-seconds", G_TYPE_DOUBLE, news.step_us / 1e6, "before",
      G_TYPE_STRING, before.c_str (), "after", G_TYPE_STRING, after.c_str (),
      "total", G_TYPE_UINT64, news.total, NULL);
  GST_ELEMENT_WARNING_WITH_DETAILS (self, STREAM, FAILED,
      ("The %s clock stepped by %+.3f s (from %s to %s) while recording into %s: the "
       "recording goes on from the new time after a discontinuity%s",
          news.camera ? "camera's" : "system", news.step_us / 1e6,
          before.c_str (), after.c_str (), news.folder.c_str (),
          news.camera ? ", on the local clock"
                      : "; footage recorded before it keeps its real age"),
      ("clock step %" G_GINT64_FORMAT " us", news.step_us),
      ("details", GST_TYPE_STRUCTURE, fields, NULL));
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), fields));
}

/* Says that the folder was opened with a clock that cannot be right (before the
 * build's date, or before the newest footage on disk): a warning, and the
 * element message "dvr-clock-implausible". Nothing is deleted by age until the
 * clock gets there. */
void
dvr_index_detail::post_clock_implausible (GstDvrIndex *self,
    const dvr::RecordingIndex *index, const dvr::RecordingOptions &options,
    gint64 now_us)
{
  std::string now = dvr::format_program_date_time (now_us);
  std::string from = dvr::format_program_date_time (index->trusted_from_us ());
  const bool before_footage =
      index->newest_on_open_us () != G_MININT64 &&
      now_us < index->newest_on_open_us () - options.clock_tolerance_us;
  GstStructure *fields = gst_structure_new (GST_DVR_CLOCK_IMPLAUSIBLE_MESSAGE,
      "folder", G_TYPE_STRING, options.folder.c_str (), "clock", G_TYPE_STRING,
      now.c_str (), "trusted-from", G_TYPE_STRING, from.c_str (), "reason",
      G_TYPE_STRING, before_footage ? "before-newest-footage" : "before-build",
      NULL);
  GST_ELEMENT_WARNING_WITH_DETAILS (self, RESOURCE, SETTINGS,
      ("The system clock (%s) is before %s, so it cannot be right: nothing in %s is "
       "deleted by age until the clock reaches %s. Set the clock (NTP) before recording "
       "starts",
          now.c_str (),
          before_footage ? "the newest footage on disk"
                         : "the date this recorder was built",
          options.folder.c_str (), from.c_str ()),
      ("clock %" G_GINT64_FORMAT " us, trusted from %" G_GINT64_FORMAT " us",
          now_us, index->trusted_from_us ()),
      ("details", GST_TYPE_STRUCTURE, fields, NULL));
  gst_element_post_message (
      GST_ELEMENT (self), gst_message_new_element (GST_OBJECT (self), fields));
}
