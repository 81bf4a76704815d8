/* The "dvr" plugin: dvrsink, dvrindex and dvrrtspsrc. */
#include <gst/gst.h>

#include "gstdvrindex.h"
#include "gstdvrrtspsrc.h"
#include "gstdvrsink.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ok = GST_ELEMENT_REGISTER (dvrindex, plugin);
  ok &= GST_ELEMENT_REGISTER (dvrsink, plugin);
  ok &= GST_ELEMENT_REGISTER (dvrrtspsrc, plugin);
  return ok;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, dvr,
    "Sliding-window HLS DVR recording: dvrsink, dvrindex and dvrrtspsrc",
    plugin_init, VERSION, "LGPL", "Stream DVR", "stream-dvr")
