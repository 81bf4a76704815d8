// The launcher's HTTPS identity: a PEM certificate and its private key, as
// named by [server] tls-certificate and tls-key. Checked before use, so that
// a wrong file stops the launcher (or --check) with a message naming it,
// instead of every browser failing its handshake.
#pragma once

#include <gio/gio.h>

#include <cstdint>
#include <string>

#include "config/preset.h"

namespace dvr {

// Loads and checks both files: readable, a certificate in one and a private
// key in the other, the key belongs to the certificate, and the certificate
// is valid at now_us. Returns the identity, or nullptr with error set to one
// line that names the file at fault. valid_until: when it expires (ISO 8601).
GTlsCertificate *load_tls_identity(const TlsFiles &files, std::int64_t now_us,
                                   std::string &error,
                                   std::string *valid_until = nullptr);

}  // namespace dvr
