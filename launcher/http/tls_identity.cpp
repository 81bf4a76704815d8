#include "http/tls_identity.h"

#include <gnutls/gnutls.h>

#include <memory>

namespace dvr {
namespace {

std::string iso8601(GDateTime *t) {
  g_autofree char *s = g_date_time_format_iso8601(t);
  return s ? s : "";
}

// GLib's TLS backend takes any key beside any certificate; GnuTLS, which
// serves the handshakes, knows whether the two belong together.
bool key_matches(const TlsFiles &files, std::string &why) {
  gnutls_certificate_credentials_t credentials = nullptr;
  if (gnutls_certificate_allocate_credentials(&credentials) !=
      GNUTLS_E_SUCCESS) {
    why = "cannot allocate TLS credentials";
    return false;
  }
  std::unique_ptr<gnutls_certificate_credentials_st,
                  decltype(&gnutls_certificate_free_credentials)>
      owned(credentials, &gnutls_certificate_free_credentials);
  const int r = gnutls_certificate_set_x509_key_file2(
      credentials, files.certificate.c_str(), files.key.c_str(),
      GNUTLS_X509_FMT_PEM, nullptr, 0);
  if (r >= 0) return true;
  why = r == GNUTLS_E_CERTIFICATE_KEY_MISMATCH
            ? "does not belong to the certificate " + files.certificate
            : std::string("cannot be used: ") + gnutls_strerror(r);
  return false;
}

}  // namespace

GTlsCertificate *load_tls_identity(const TlsFiles &files, std::int64_t now_us,
                                   std::string &error,
                                   std::string *valid_until) {
  std::string contents[2];
  const std::string *paths[2] = {&files.certificate, &files.key};
  for (int i = 0; i < 2; ++i) {
    g_autoptr(GError) err = nullptr;
    g_autofree char *text = nullptr;
    gsize length = 0;
    if (!g_file_get_contents(paths[i]->c_str(), &text, &length, &err)) {
      error = *paths[i] + ": cannot read it: " + err->message;
      return nullptr;
    }
    contents[i].assign(text, length);
  }
  g_autoptr(GError) err = nullptr;
  g_autoptr(GTlsCertificate) alone = g_tls_certificate_new_from_pem(
      contents[0].c_str(), contents[0].size(), &err);
  if (!alone) {
    error =
        files.certificate + ": not a PEM certificate (" + err->message + ")";
    return nullptr;
  }
  if (contents[1].find("PRIVATE KEY-----") == std::string::npos) {
    error = files.key + ": no PEM private key in it";
    return nullptr;
  }
  std::string why;
  if (!key_matches(files, why)) {
    error = files.key + ": the private key " + why;
    return nullptr;
  }
  g_autoptr(GTlsCertificate) identity = g_tls_certificate_new_from_files(
      files.certificate.c_str(), files.key.c_str(), &err);
  if (!identity) {
    error = files.key + ": " + err->message;
    return nullptr;
  }
  g_autoptr(GDateTime) now =
      g_date_time_new_from_unix_utc(now_us / G_USEC_PER_SEC);
  GDateTime *not_after = g_tls_certificate_get_not_valid_after(identity);
  GDateTime *not_before = g_tls_certificate_get_not_valid_before(identity);
  g_autoptr(GDateTime) after_owned = not_after;
  g_autoptr(GDateTime) before_owned = not_before;
  if (not_after && g_date_time_compare(now, not_after) > 0) {
    error = files.certificate + ": the certificate expired on " +
            iso8601(not_after);
    return nullptr;
  }
  if (not_before && g_date_time_compare(now, not_before) < 0) {
    error = files.certificate + ": the certificate is not valid before " +
            iso8601(not_before);
    return nullptr;
  }
  if (valid_until && not_after) *valid_until = iso8601(not_after);
  return static_cast<GTlsCertificate *>(g_steal_pointer(&identity));
}

}  // namespace dvr
