/* The "dvr" plugin: dvrsink and dvrindex. */
#include <gst/gst.h>

#include "gstdvrindex.h"
#include "gstdvrsink.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean ok = GST_ELEMENT_REGISTER (dvrindex, plugin);
  ok &= GST_ELEMENT_REGISTER (dvrsink, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, dvr,
    "Sliding-window HLS DVR recording: dvrsink and dvrindex",
    plugin_init, VERSION, "LGPL", "Stream DVR", "stream-dvr")
