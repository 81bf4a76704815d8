#include "dahua_rtsp.h"

#include "dahua_path.h"

#include <gst/sdp/sdp.h>

#include "control_form.h"

// GObject boilerplate (G_DEFINE_TYPE) wants these names at file scope.
extern "C" {

struct MockDahuaClient {
  GstRTSPClient parent;
  // Channel and subtype of the last request that named them: SETUP URLs that
  // lost the query (content base resolved as RFC 3986 says) use them.
  int channel;
  int subtype;
};
struct MockDahuaClientClass {
  GstRTSPClientClass parent_class;
};

struct MockDahuaServer {
  GstRTSPServer parent;
};
struct MockDahuaServerClass {
  GstRTSPServerClass parent_class;
};

struct MockDahuaMounts {
  GstRTSPMountPoints parent;
};
struct MockDahuaMountsClass {
  GstRTSPMountPointsClass parent_class;
};

G_DEFINE_TYPE(MockDahuaClient, mock_dahua_client, GST_TYPE_RTSP_CLIENT)
G_DEFINE_TYPE(MockDahuaServer, mock_dahua_server, GST_TYPE_RTSP_SERVER)
G_DEFINE_TYPE(MockDahuaMounts, mock_dahua_mounts, GST_TYPE_RTSP_MOUNT_POINTS)

}  // extern "C"

namespace {

using mockcam::ControlForm;
using mockcam::DahuaPath;
using mockcam::parse_dahua_path;

// One server a process: its clients read the form from here.
ControlForm g_form = ControlForm::Dahua;

std::optional<DahuaPath> parse_url(const GstRTSPUrl *url) {
  if (!url || !url->abspath) return std::nullopt;
  auto p = parse_dahua_path(url->abspath, url->query ? url->query : "");
  if (!p) p = mockcam::parse_form_path(url->abspath);
  // The session form's aggregate URL names the media, not a stream.
  if (p && p->control == "session") p->control.clear();
  return p;
}

std::string host_of(const GstRTSPUrl *url) {
  guint16 port = 554;
  gst_rtsp_url_get_port(url, &port);
  return std::string(url->host ? url->host : "") + ":" + std::to_string(port);
}

// The DESCRIBE answer in the camera's control form: Content-Base and the
// SDP's control attributes.
void rewrite_describe(MockDahuaClient *self, GstRTSPContext *ctx,
                      GstRTSPMessage *message) {
  const std::string host = host_of(ctx->uri);
  gst_rtsp_message_remove_header(message, GST_RTSP_HDR_CONTENT_BASE, -1);
  const std::string base =
      mockcam::form_content_base(g_form, host, self->channel, self->subtype);
  if (!base.empty())
    gst_rtsp_message_add_header(message, GST_RTSP_HDR_CONTENT_BASE,
                                base.c_str());
  guint8 *body = nullptr;
  guint size = 0;
  gst_rtsp_message_get_body(message, &body, &size);
  GstSDPMessage *sdp = nullptr;
  gst_sdp_message_new(&sdp);
  if (gst_sdp_message_parse_buffer(body, size, sdp) != GST_SDP_OK) {
    gst_sdp_message_free(sdp);
    return;
  }
  for (gint i = static_cast<gint>(gst_sdp_message_attributes_len(sdp)) - 1;
       i >= 0; i--)
    if (g_strcmp0(gst_sdp_message_get_attribute(sdp, i)->key, "control") == 0)
      gst_sdp_message_remove_attribute(sdp, i);
  const std::string session =
      mockcam::form_session_control(g_form, host, self->channel, self->subtype);
  if (!session.empty())
    gst_sdp_message_add_attribute(sdp, "control", session.c_str());
  for (guint m = 0; m < gst_sdp_message_medias_len(sdp); m++) {
    GstSDPMedia *media =
        const_cast<GstSDPMedia *>(gst_sdp_message_get_media(sdp, m));
    for (guint a = 0; a < gst_sdp_media_attributes_len(media); a++) {
      if (g_strcmp0(gst_sdp_media_get_attribute(media, a)->key, "control") != 0)
        continue;
      const std::string control = mockcam::form_media_control(
          g_form, host, self->channel, self->subtype, static_cast<int>(m));
      GstSDPAttribute attr;
      gst_sdp_attribute_set(&attr, "control", control.c_str());
      gst_sdp_media_replace_attribute(media, a, &attr);
    }
  }
  gchar *text = gst_sdp_message_as_text(sdp);
  gst_sdp_message_free(sdp);
  const std::string length = std::to_string(strlen(text));
  gst_rtsp_message_take_body(message, reinterpret_cast<guint8 *>(text),
                             static_cast<guint>(strlen(text)));
  gst_rtsp_message_remove_header(message, GST_RTSP_HDR_CONTENT_LENGTH, -1);
  gst_rtsp_message_add_header(message, GST_RTSP_HDR_CONTENT_LENGTH,
                              length.c_str());
}

void client_send_message(GstRTSPClient *client, GstRTSPContext *ctx,
                         GstRTSPMessage *message) {
  if (g_form == ControlForm::Dahua || !ctx || !ctx->uri ||
      ctx->method != GST_RTSP_DESCRIBE)
    return;
  GstRTSPStatusCode code = GST_RTSP_STS_INVALID;
  if (gst_rtsp_message_get_type(message) != GST_RTSP_MESSAGE_RESPONSE ||
      gst_rtsp_message_parse_response(message, &code, nullptr, nullptr) !=
          GST_RTSP_OK ||
      code != GST_RTSP_STS_OK)
    return;
  rewrite_describe(reinterpret_cast<MockDahuaClient *>(client), ctx, message);
}

// Aggregate requests must name the form's aggregate URL, as strict cameras
// (and gst-rtsp-server) insist.
GstRTSPStatusCode check_aggregate(GstRTSPClient *client, GstRTSPContext *ctx) {
  auto *self = reinterpret_cast<MockDahuaClient *>(client);
  if (g_form == ControlForm::Dahua || !ctx->uri) return GST_RTSP_STS_OK;
  const std::string expected = mockcam::form_aggregate_url(
      g_form, host_of(ctx->uri), self->channel, self->subtype);
  gchar *uri = gst_rtsp_url_get_request_uri(ctx->uri);
  // gst-rtsp-server hands the URL on without its trailing slash.
  auto trimmed = [](std::string u) {
    if (!u.empty() && u.back() == '/') u.pop_back();
    return u;
  };
  const bool ok = trimmed(expected) == trimmed(uri);
  if (!ok)
    g_printerr("dvr-mock-camera: %s %s refused: the aggregate URL is %s\n",
               gst_rtsp_method_as_text(ctx->method), uri, expected.c_str());
  g_free(uri);
  return ok ? GST_RTSP_STS_OK : GST_RTSP_STS_NOT_FOUND;
}

void remember(MockDahuaClient *self, const DahuaPath &p) {
  if (p.channel) self->channel = *p.channel;
  if (p.subtype) self->subtype = *p.subtype;
}

gchar *client_make_path_from_uri(GstRTSPClient *client, const GstRTSPUrl *uri) {
  auto *self = reinterpret_cast<MockDahuaClient *>(client);
  auto p = parse_url(uri);
  if (!p)
    return GST_RTSP_CLIENT_CLASS(mock_dahua_client_parent_class)
        ->make_path_from_uri(client, uri);
  remember(self, *p);
  std::string path =
      mockcam::dahua_request_path(self->channel, self->subtype, p->control);
  return g_strdup(path.c_str());
}

GstRTSPStatusCode client_pre_describe(GstRTSPClient *client,
                                      GstRTSPContext *ctx) {
  auto *self = reinterpret_cast<MockDahuaClient *>(client);
  if (auto p = parse_url(ctx->uri)) {
    // DESCRIBE without the parameters means channel 1, main stream.
    self->channel = p->channel.value_or(1);
    self->subtype = p->subtype.value_or(0);
  }
  return GST_RTSP_STS_OK;
}

gchar *mounts_make_path(GstRTSPMountPoints *mounts, const GstRTSPUrl *url) {
  auto p = parse_url(url);
  if (!p)
    return GST_RTSP_MOUNT_POINTS_CLASS(mock_dahua_mounts_parent_class)
        ->make_path(mounts, url);
  std::string path = mockcam::dahua_request_path(
      p->channel.value_or(1), p->subtype.value_or(0), p->control);
  return g_strdup(path.c_str());
}

GstRTSPClient *server_create_client(GstRTSPServer *server) {
  auto *client =
      GST_RTSP_CLIENT(g_object_new(mock_dahua_client_get_type(), nullptr));
  GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(server);
  gst_rtsp_client_set_session_pool(client, pool);
  if (pool) g_object_unref(pool);
  GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
  gst_rtsp_client_set_mount_points(client, mounts);
  if (mounts) g_object_unref(mounts);
  gst_rtsp_client_set_content_length_limit(
      client, gst_rtsp_server_get_content_length_limit(server));
  GstRTSPAuth *auth = gst_rtsp_server_get_auth(server);
  gst_rtsp_client_set_auth(client, auth);
  if (auth) g_object_unref(auth);
  GstRTSPThreadPool *threads = gst_rtsp_server_get_thread_pool(server);
  gst_rtsp_client_set_thread_pool(client, threads);
  if (threads) g_object_unref(threads);
  return client;
}

}  // namespace

extern "C" {

static void mock_dahua_client_class_init(MockDahuaClientClass *klass) {
  GstRTSPClientClass *c = GST_RTSP_CLIENT_CLASS(klass);
  c->make_path_from_uri = client_make_path_from_uri;
  c->pre_describe_request = client_pre_describe;
  c->send_message = client_send_message;
  c->pre_play_request = check_aggregate;
  c->pre_get_parameter_request = check_aggregate;
  c->pre_teardown_request = check_aggregate;
}

static void mock_dahua_client_init(MockDahuaClient *self) {
  self->channel = 1;
  self->subtype = 0;
}

static void mock_dahua_server_class_init(MockDahuaServerClass *klass) {
  GST_RTSP_SERVER_CLASS(klass)->create_client = server_create_client;
}

static void mock_dahua_server_init(MockDahuaServer *) {}

static void mock_dahua_mounts_class_init(MockDahuaMountsClass *klass) {
  GST_RTSP_MOUNT_POINTS_CLASS(klass)->make_path = mounts_make_path;
}

static void mock_dahua_mounts_init(MockDahuaMounts *) {}

}  // extern "C"

namespace mockcam {

GstRTSPServer *dahua_server_new(ControlForm form) {
  g_form = form;
  return GST_RTSP_SERVER(g_object_new(mock_dahua_server_get_type(), nullptr));
}

GstRTSPMountPoints *dahua_mount_points_new() {
  return GST_RTSP_MOUNT_POINTS(
      g_object_new(mock_dahua_mounts_get_type(), nullptr));
}

}  // namespace mockcam
