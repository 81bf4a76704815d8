/* dvrindex: the index and playlist generator of a sliding-window HLS DVR. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_DVR_INDEX (gst_dvr_index_get_type ())
G_DECLARE_FINAL_TYPE (GstDvrIndex, gst_dvr_index, GST, DVR_INDEX, GstElement)

/* Where PROGRAM-DATE-TIME comes from. */
typedef enum
{
  GST_DVR_WALL_CLOCK_LOCAL, /* this machine's clock when the first frame arrived */
  GST_DVR_WALL_CLOCK_CAMERA, /* the camera's (RTCP sender reports), while it agrees */
} GstDvrWallClock;

#define GST_TYPE_DVR_WALL_CLOCK (gst_dvr_wall_clock_get_type ())
GType gst_dvr_wall_clock_get_type (void);

/* Name and fields of the element message posted for every listed segment. */
#define GST_DVR_SEGMENT_ADDED_MESSAGE "dvr-segment-added"
/* Posted when the disk fills (with a warning), when space is back, and when
 * the folder cannot be written (before the error): see the element docs. */
#define GST_DVR_STORAGE_MESSAGE "dvr-storage"
/* Posted (with a warning) when the system clock or the camera's steps while
 * recording: see the element docs. */
#define GST_DVR_CLOCK_STEP_MESSAGE "dvr-clock-step"
/* Posted (with a warning) when the folder is opened with a clock that cannot
 * be right: nothing is deleted by age until it is. */
#define GST_DVR_CLOCK_IMPLAUSIBLE_MESSAGE "dvr-clock-implausible"
/* Posted (with a warning) when wall-clock=camera and the camera's clock is
 * too far off the local one to be used, without having stepped. */
#define GST_DVR_CLOCK_CAMERA_OFF_MESSAGE "dvr-clock-camera-off"

GST_ELEMENT_REGISTER_DECLARE (dvrindex);

G_END_DECLS
