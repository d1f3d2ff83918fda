/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mem/ps-conn.c - the page server's byte stream, plain or in TLS (--tls, gnutls), for both
 * sides. Plain: pages go by splice between pipes, sockets and files, never through our
 * memory. TLS: each side proves itself with an X.509 certificate (--tls-cert, --tls-key)
 * that the other checks against the CA (--tls-cacert, optional --tls-cacrl); the dump also
 * checks that the server's certificate names --address unless --tls-no-cn-verify. The
 * pages then pass through a buffer to be encrypted, as in CRIU. Defaults: CRIU's paths
 * under /etc/pki.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "log.h"
#include "page-server.h"

#define PS_CACERT  "/etc/pki/CA/cacert.pem"
#define PS_CACRL   "/etc/pki/CA/cacrl.pem"
#define PS_CERT	   "/etc/pki/criu/cert.pem"
#define PS_KEY	   "/etc/pki/criu/private/key.pem"
#define PS_TLS_BUF (256u << 10)

static int tls_error(const char *what, int err)
{
	pr_err("TLS: %s: %s\n", what, gnutls_strerror(err));
	return -EPROTO;
}

static int load_creds(struct ps_conn *c, const struct cr_options *o)
{
	const char *ca = o->tls_cacert ?: PS_CACERT, *crl = o->tls_cacrl ?: PS_CACRL;
	const char *cert = o->tls_cert ?: PS_CERT, *key = o->tls_key ?: PS_KEY;
	gnutls_certificate_credentials_t x;
	int ret;

	ret = gnutls_certificate_allocate_credentials(&x);
	if (ret < 0)
		return tls_error("can't allocate credentials", ret);
	c->creds = x;
	ret = gnutls_certificate_set_x509_trust_file(x, ca, GNUTLS_X509_FMT_PEM);
	if (ret <= 0) {
		pr_err("TLS: no CA certificate in %s (--tls-cacert): %s\n", ca,
		       ret ? gnutls_strerror(ret) : "the file holds none");
		return -EINVAL;
	}
	/* the default list of revoked certificates is optional, one given is not */
	if (o->tls_cacrl || !access(crl, F_OK)) {
		ret = gnutls_certificate_set_x509_crl_file(x, crl, GNUTLS_X509_FMT_PEM);
		if (ret < 0) {
			pr_err("TLS: can't load the revocation list %s (--tls-cacrl): %s\n", crl,
			       gnutls_strerror(ret));
			return -EINVAL;
		}
	}
	ret = gnutls_certificate_set_x509_key_file(x, cert, key, GNUTLS_X509_FMT_PEM);
	if (ret < 0) {
		pr_err("TLS: can't load the certificate %s and key %s (--tls-cert, --tls-key): "
		       "%s\n",
		       cert, key, gnutls_strerror(ret));
		return -EINVAL;
	}
	return 0;
}

/* After the handshake: the peer's certificate chains to our CA (and names the server). */
static int verify_peer(struct ps_conn *c, const char *hostname)
{
	gnutls_datum_t why;
	unsigned int status;
	int ret;

	ret = gnutls_certificate_verify_peers3(c->tls, hostname, &status);
	if (ret < 0)
		return tls_error("can't verify the peer's certificate", ret);
	if (!status)
		return 0;
	ret = gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0);
	pr_err("TLS: the %s's certificate is refused: %s\n", hostname ? "page server" : "dump",
	       ret < 0 ? "(no reason given)" : (char *)why.data);
	if (ret >= 0)
		gnutls_free(why.data);
	return -EACCES;
}

int ps_conn_start(struct ps_conn *c, const struct cr_options *o, bool server)
{
	gnutls_session_t s;
	int ret;

	c->server = server;
	if (!o->tls)
		return 0;
	ret = load_creds(c, o);
	if (ret)
		return ret;
	ret = gnutls_init(&s, server ? GNUTLS_SERVER : GNUTLS_CLIENT);
	if (ret < 0)
		return tls_error("can't start a session", ret);
	c->tls = s;
	ret = gnutls_set_default_priority(s);
	ret = ret ?: gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, c->creds);
	if (ret < 0)
		return tls_error("can't set up the session", ret);
	if (server)
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
	gnutls_transport_set_int(s, c->sk);
	do {
		ret = gnutls_handshake(s);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	if (ret < 0)
		return tls_error(server ? "handshake with the dump failed"
					: "handshake with the page server failed",
				 ret);
	ret = verify_peer(c, server || o->tls_no_cn_verify ? NULL : o->address);
	if (!ret) {
		char *desc = gnutls_session_get_desc(s); /* gnutls_malloc()ed */

		pr_info("TLS session with the %s: %s\n", server ? "dump" : "page server",
			desc ?: "?");
		gnutls_free(desc);
	}
	return ret;
}

void ps_conn_end(struct ps_conn *c, bool ok)
{
	if (c->tls) {
		if (ok)
			gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
	}
	if (c->creds)
		gnutls_certificate_free_credentials(c->creds);
	free(c->buf);
	if (c->sk >= 0)
		close(c->sk);
	memset(c, 0, sizeof(*c));
	c->sk = -1;
}

static int tls_send_all(struct ps_conn *c, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = gnutls_record_send(c->tls, p, len);
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n < 0)
			return tls_error(c->server ? "can't answer the dump"
						   : "can't send to the page server (did it die?)",
					 n);
		p += n;
		len -= n;
	}
	return 0;
}

int ps_conn_send(struct ps_conn *c, const void *buf, size_t len, bool more)
{
	ssize_t n;

	if (c->tls)
		return tls_send_all(c, buf, len);
	n = send(c->sk, buf, len, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
	if (n != (ssize_t)len) {
		pr_perror("Can't send to %s",
			  c->server ? "the dump" : "the page server (did it die?)");
		return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/* len bytes, or 0 when the peer closed before the first; -errno (logged) otherwise */
ssize_t ps_conn_recv(struct ps_conn *c, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		if (c->tls)
			n = gnutls_record_recv(c->tls, (char *)buf + got, len - got);
		else
			n = recv(c->sk, (char *)buf + got, len - got, MSG_WAITALL);
		if (c->tls && (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED))
			continue;
		if (n == 0 || (c->tls && n == GNUTLS_E_PREMATURE_TERMINATION))
			break;
		if (n < 0) {
			if (c->tls)
				return tls_error(c->server ? "can't receive from the dump"
							   : "can't receive from the page server",
						 n);
			pr_perror("Can't receive from %s",
				  c->server ? "the dump" : "the page server");
			return -errno;
		}
		got += n;
	}
	if (got && got < len) {
		pr_err("%s closed the connection in the middle of a message\n",
		       c->server ? "The dump" : "The page server");
		return -EIO;
	}
	return got;
}

static int get_buf(struct ps_conn *c)
{
	if (!c->buf)
		c->buf = malloc(PS_TLS_BUF);
	if (!c->buf) {
		pr_err("No memory for the page copy buffer\n");
		return -ENOMEM;
	}
	return 0;
}

/* len bytes of the pipe copied into the stream, through a buffer */
static int copy_from_pipe(struct ps_conn *c, int pipe_r, size_t len)
{
	ssize_t n;
	int ret = get_buf(c);

	while (!ret && len) {
		n = read(pipe_r, c->buf, len < PS_TLS_BUF ? len : PS_TLS_BUF);
		if (n <= 0) {
			pr_perror("Can't read pages from the pipe");
			return n < 0 ? -errno : -EIO;
		}
		ret = ps_conn_send(c, c->buf, n, true);
		len -= n;
	}
	return ret;
}

int ps_conn_send_pipe(struct ps_conn *c, int pipe_r, size_t len, bool copy)
{
	ssize_t n;

	if (c->tls || copy)
		return copy_from_pipe(c, pipe_r, len);
	while (len) {
		n = splice(pipe_r, NULL, c->sk, NULL, len, SPLICE_F_MOVE | SPLICE_F_MORE);
		if (n <= 0) {
			pr_perror("Can't send %zu bytes of pages to the page server (did it die?)",
				  len);
			return n < 0 ? -errno : -EIO;
		}
		len -= n;
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len) {
		n = write(fd, p, len);
		if (n <= 0) {
			pr_perror("Can't write pages into the image");
			return n < 0 ? -errno : -EIO;
		}
		p += n;
		len -= n;
	}
	return 0;
}

static int tls_to_file(struct ps_conn *c, int fd, size_t len)
{
	ssize_t n;
	int ret = get_buf(c);

	while (!ret && len) {
		n = ps_conn_recv(c, c->buf, len < PS_TLS_BUF ? len : PS_TLS_BUF);
		if (n <= 0) {
			if (!n)
				pr_err("The dump closed the connection in the middle of its "
				       "pages\n");
			return n ?: -EIO;
		}
		ret = write_all(fd, c->buf, n);
		len -= n;
	}
	return ret;
}

/* socket -> pipe -> file by splice: the pipe is the caller's, empty, of pipe_cap bytes */
int ps_conn_recv_file(struct ps_conn *c, int fd, size_t len, const int *pipe, size_t pipe_cap)
{
	ssize_t in, out;

	if (c->tls)
		return tls_to_file(c, fd, len);
	while (len) {
		in = splice(c->sk, NULL, pipe[1], NULL, len < pipe_cap ? len : pipe_cap,
			    SPLICE_F_MOVE | SPLICE_F_MORE);
		if (in <= 0) {
			if (in < 0)
				pr_perror("Can't receive pages from the dump");
			else
				pr_err("The dump closed the connection in the middle of its "
				       "pages\n");
			return in < 0 ? -errno : -EIO;
		}
		len -= in;
		while (in) {
			out = splice(pipe[0], NULL, fd, NULL, in, SPLICE_F_MOVE);
			if (out <= 0) {
				pr_perror("Can't write pages into the image");
				return out < 0 ? -errno : -EIO;
			}
			in -= out;
		}
	}
	return 0;
}
