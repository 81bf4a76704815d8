#include "dahua_rtsp.h"

#include "dahua_path.h"

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

using mockcam::DahuaPath;
using mockcam::parse_dahua_path;

std::optional<DahuaPath> parse_url(const GstRTSPUrl *url) {
  if (!url || !url->abspath) return std::nullopt;
  return parse_dahua_path(url->abspath, url->query ? url->query : "");
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

GstRTSPServer *dahua_server_new() {
  return GST_RTSP_SERVER(g_object_new(mock_dahua_server_get_type(), nullptr));
}

GstRTSPMountPoints *dahua_mount_points_new() {
  return GST_RTSP_MOUNT_POINTS(
      g_object_new(mock_dahua_mounts_get_type(), nullptr));
}

}  // namespace mockcam
