/* dvrsink's TS reader, for MPEG-TS input: it stands where h264parse stands for an
 * elementary stream. It cuts the transport stream (188-byte packets, any
 * buffer boundaries) into one buffer per video access unit with dvr::TsScanner,
 * each holding that unit's packets and those of the other streams up to the
 * next unit, as they arrived (the program's PAT and PMT packets left out: the
 * writer puts the tables at each segment's start). Buffers share the input's
 * memory; their timestamps are the video PES's PTS and DTS on a timeline that
 * starts at the first one, DELTA_UNIT unless the unit is a keyframe, DISCONT
 * after a timestamp reset, lost sync or a program change.
 *
 * Output caps: video/mpegts, systemstream=true, packetsize=188, alignment=au,
 * codec=h264|h265, streamheader=<PAT packets, PMT packets>.
 * Not registered on its own. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_DVR_TS_READER (gst_dvr_ts_reader_get_type ())
G_DECLARE_FINAL_TYPE (
    GstDvrTsReader, gst_dvr_ts_reader, GST, DVR_TS_READER, GstElement)

/* The caps of a transport stream as it arrives, and as dvrsink's parts pass it on. */
#define GST_DVR_TS_INPUT_CAPS                                                  \
  "video/mpegts, systemstream = (boolean) true, packetsize = (int) { 188, 192, 204 }"
#define GST_DVR_TS_UNIT_CAPS                                                   \
  "video/mpegts, systemstream = (boolean) true, packetsize = (int) 188, alignment = (string) au"

/* The stream turned out unrecordable: the EOS that ended the recording came
 * from the reader, ahead of its error, and is not the stream's end. */
gboolean gst_dvr_ts_reader_failed (GstDvrTsReader *self);

G_END_DECLS
