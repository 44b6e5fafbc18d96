"""HTTPS for the doubles' stdlib servers (`--tls-cert`/`--tls-key`), with a certificate from
`doubles.make_pki` or any PEM chain and key."""
import ssl


def serve_tls(server, cert, key):
    """HTTPS on `server`'s socket. The handshake runs in the connection's own thread, at its first
    read, so a client that stalls or refuses the certificate holds up no one else."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
