#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// What admin sign-in is configured with (README "Sign-in").
public struct AuthSettings: Sendable {
    public var enabled: Bool
    /// `SORA_ADMIN_PASSWORD_HASH`, written by `sora passwd` (preferred over a plain password).
    public var passwordHash: Secret?
    public var password: Secret?
    /// `SORA_ADMIN_TOKEN`: `Authorization: Bearer …` for scripts and the CLI.
    public var token: Secret?
    /// `SORA_SESSION_KEY`: signs session cookies; when unset a random key is kept in the spool.
    public var sessionKey: Secret?
    public var sessionTTL: Int
}

/// Who a request is, once checked.
public enum Caller: Sendable, Equatable {
    /// Sign-in is off (`SORA_AUTH=off`).
    case open
    case token
    case session
}

/// The router's one choke point for sign-in: bearer token or signed session cookie, the
/// cross-site rule for cookie requests that change state, login with a per-client throttle.
///
/// Session cookies are stateless: `v1.<expiry>.<nonce>.<mac>`, HMAC-SHA256 over the expiry, the
/// nonce and a fingerprint of the current credentials, so changing the password signs every
/// session out. Sign-out clears the cookie; `SORA_SESSION_KEY` rotation signs everyone out.
public struct Auth: Sendable {
    public let settings: AuthSettings
    public let spool: Spool
    public let now: @Sendable () -> Date
    public static let cookieName = "sora_session"

    public init(settings: AuthSettings, spool: Spool, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings; self.spool = spool; self.now = now
    }

    // MARK: checking requests

    /// The caller of a protected route, or the error to answer.
    public func check(_ req: APIRequest) -> Result<Caller, APIError> {
        guard settings.enabled else { return .success(.open) }
        if let header = req.headers["authorization"], !header.isEmpty {
            guard let token = settings.token, header.hasPrefix("Bearer "),
                  constantTimeEqual(Array(header.dropFirst(7).utf8), Array(token.reveal().utf8)) else {
                return .failure(APIError(401, "unauthorized", "wrong or unknown token"))
            }
            return .success(.token)
        }
        guard let cookie = Self.cookie(req.headers["cookie"]), validSession(cookie) else {
            return .failure(APIError(401, "unauthorized", "sign in first"))
        }
        if let refused = crossSite(req) { return .failure(refused) }
        return .success(.session)
    }

    /// A state-changing request carrying the session cookie must come from our own pages:
    /// `Sec-Fetch-Site` other than same-origin (or none: typed into the address bar), or an
    /// `Origin` that is not this host, is refused.
    public func crossSite(_ req: APIRequest) -> APIError? {
        guard !["GET", "HEAD", "OPTIONS"].contains(req.method.uppercased()) else { return nil }
        let refused = APIError(403, "cross_site", "this request came from another site")
        if let site = req.headers["sec-fetch-site"]?.lowercased(), site != "same-origin", site != "none" { return refused }
        if let origin = req.headers["origin"] {
            guard let o = URLOrigin(origin), let host = req.headers["host"] else { return refused }
            let port = o.port == (o.scheme == "https" ? 443 : 80) ? "" : ":\(o.port)"
            if "\(o.host)\(port)".lowercased() != host.lowercased() { return refused }
        }
        return nil
    }

    // MARK: sessions

    static func cookie(_ header: String?) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let kv = part.trimmed
            if kv.hasPrefix(cookieName + "=") { return String(kv.dropFirst(cookieName.count + 1)) }
        }
        return nil
    }

    /// The key that signs sessions: `SORA_SESSION_KEY`, or 32 random bytes kept in the spool.
    func sessionKey() -> [UInt8]? {
        if let k = settings.sessionKey { return Digest.hash(.sha256, Array(k.reveal().utf8)) }
        let path = spool.privateDir + "/session-key"
        if let b = FileIO.read(path), b.count == 32 { return b }
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255) }
        let tmp = path + ".\(getpid()).tmp"
        guard (try? FileIO.writeAtomically(bytes, to: tmp, mode: 0o600)) != nil else { return nil }
        defer { unlink(tmp) }
        _ = link(tmp, path)  // of two racing processes, the first one's key wins
        guard let b = FileIO.read(path), b.count == 32 else { return nil }
        return b
    }

    /// Changes when the credentials change, so old sessions stop working.
    var credentialFingerprint: String {
        let basis = [settings.passwordHash?.reveal(), settings.password?.reveal()].compactMap { $0 }.joined(separator: "|")
        return Spool.sha256Hex(Array(basis.utf8)).prefix(16).description
    }

    func mac(_ payload: String, key: [UInt8]) -> String {
        Hex.string(Digest.hmac(.sha256, key: key, Array("\(payload).\(credentialFingerprint)".utf8)))
    }

    /// A new session cookie value.
    public func newSession() -> String? {
        guard let key = sessionKey() else { return nil }
        let expiry = Int(now().timeIntervalSince1970) + settings.sessionTTL
        let nonce = Hex.string((0..<12).map { _ in UInt8.random(in: 0...255) })
        let payload = "v1.\(expiry).\(nonce)"
        return "\(payload).\(mac(payload, key: key))"
    }

    func validSession(_ value: String) -> Bool {
        let f = value.split(separator: ".").map(String.init)
        guard f.count == 4, f[0] == "v1", let expiry = Int(f[1]), Double(expiry) > now().timeIntervalSince1970,
              let key = sessionKey() else { return false }
        return constantTimeEqual(Array(mac("v1.\(f[1]).\(f[2])", key: key).utf8), Array(f[3].utf8))
    }

    /// `Set-Cookie` for a session (or to clear it: `value` nil). Scoped to the API under `prefix`.
    public func setCookie(_ value: String?, prefix: String, https: Bool) -> String {
        var c = "\(Self.cookieName)=\(value ?? ""); Path=\(prefix)/api/; HttpOnly; SameSite=Strict; Max-Age=\(value == nil ? 0 : settings.sessionTTL)"
        if https { c += "; Secure" }
        return c
    }

    // MARK: login

    /// Whether `password` is the admin password.
    public func passwordMatches(_ password: String) -> Bool {
        if let h = settings.passwordHash { return PasswordHash.verify(password, hash: h.reveal()) }
        if let p = settings.password { return constantTimeEqual(Array(password.utf8), Array(p.reveal().utf8)) }
        return false
    }
}
