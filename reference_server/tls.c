/* tls.c: server TLS context for STARTTLS (RFC 3207) and implicit TLS
 * (RFC 8314 §3.3), with an in-memory self-signed certificate when none
 * is configured (RFC 5280 v3 certificate, subjectAltName per RFC 6125).
 */
#include "tls.h"

#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define TLS_CERT_DAYS	365

static void
tls_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char detail[256];

	detail[0] = '\0';
	if (e != 0)
		ERR_error_string_n(e, detail, sizeof(detail));
	snprintf(err, errlen, "%s%s%s", what, e != 0 ? ": " : "", detail);
	ERR_clear_error();
}

/* "DNS:a,DNS:b,IP:127.0.0.1,IP:::1" */
static int
tls_san_text(const char *const *domains, size_t n, char *out, size_t outlen)
{
	size_t i, used = 0;
	int r;

	for (i = 0; i < n; i++) {
		r = snprintf(out + used, outlen - used, "DNS:%s,", domains[i]);
		if (r < 0 || (size_t)r >= outlen - used)
			return -1;
		used += (size_t)r;
	}
	r = snprintf(out + used, outlen - used, "IP:127.0.0.1,IP:::1");
	return r < 0 || (size_t)r >= outlen - used ? -1 : 0;
}

static int
tls_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

static int
tls_set_serial(X509 *x)
{
	unsigned char raw[16];
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	raw[0] &= 0x7f;		/* a positive serial */
	bn = BN_bin2bn(raw, sizeof(raw), NULL);
	if (bn == NULL)
		return -1;
	ok = BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
	BN_free(bn);
	return ok ? 0 : -1;
}

static int
tls_fill_cert(X509 *x, EVP_PKEY *key, const char *const *domains, size_t n)
{
	X509_NAME *name;
	char san[4096];
	const char *cn = n > 0 ? domains[0] : "localhost";

	if (X509_set_version(x, 2) != 1 || tls_set_serial(x) != 0)
		return -1;
	if (X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * TLS_CERT_DAYS) == NULL)
		return -1;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0) != 1)
		return -1;
	if (X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, key) != 1)
		return -1;
	if (tls_san_text(domains, n, san, sizeof(san)) != 0 ||
	    tls_add_ext(x, NID_subject_alt_name, san) != 0 ||
	    tls_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") != 0)
		return -1;
	return X509_sign(x, key, EVP_sha256()) > 0 ? 0 : -1;
}

static int
tls_use_self_signed(SSL_CTX *ctx, const char *const *domains, size_t n,
    char *err, size_t errlen)
{
	EVP_PKEY *key;
	X509 *x = NULL;
	int rc = -1;

	key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (key == NULL) {
		tls_err(err, errlen, "generating a key");
		return -1;
	}
	x = X509_new();
	if (x == NULL || tls_fill_cert(x, key, domains, n) != 0)
		tls_err(err, errlen, "making a self-signed certificate");
	else if (SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1)
		tls_err(err, errlen, "installing the certificate");
	else
		rc = 0;
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

static int
tls_use_files(SSL_CTX *ctx, const char *cert, const char *key, char *err,
    size_t errlen)
{
	char what[512];

	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(what, sizeof(what), "loading certificate %s", cert);
		tls_err(err, errlen, what);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		snprintf(what, sizeof(what), "loading key %s", key);
		tls_err(err, errlen, what);
		return -1;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_err(err, errlen, "certificate and key do not match");
		return -1;
	}
	return 0;
}

SSL_CTX *
tls_server_ctx_new(const char *cert_file, const char *key_file,
    const char *const *domains, size_t ndomains, char *err, size_t errlen)
{
	SSL_CTX *ctx;
	int rc;

	if ((cert_file == NULL) != (key_file == NULL)) {
		snprintf(err, errlen, "--tls-cert and --tls-key go together");
		return NULL;
	}
	ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL) {
		tls_err(err, errlen, "SSL_CTX_new");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	if (cert_file != NULL)
		rc = tls_use_files(ctx, cert_file, key_file, err, errlen);
	else
		rc = tls_use_self_signed(ctx, domains, ndomains, err, errlen);
	if (rc != 0) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}
