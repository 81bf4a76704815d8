/* The running time of a timestamp, shared by the elements: one definition of
 * what "before the segment" and "no time" mean. */
#pragma once

#include <gst/gst.h>

/* Running time of ts in segment, negative where it lies before the segment's
 * start (B-frames' DTS); G_MININT64 when there is none. */
static inline gint64
dvr_running_time (const GstSegment *segment, GstClockTime ts)
{
  if (!GST_CLOCK_TIME_IS_VALID (ts) || segment->format != GST_FORMAT_TIME)
    return G_MININT64;
  guint64 rt;
  int sign =
      gst_segment_to_running_time_full (segment, GST_FORMAT_TIME, ts, &rt);
  return sign > 0 ? (gint64)rt : sign < 0 ? -(gint64)rt : G_MININT64;
}
