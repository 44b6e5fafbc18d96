#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import SoraCore

/// `sora doctor`: nginx's configuration and the FastCGI sockets it connects to.
extension DoctorContext {
    func nginxChecks() -> [DoctorFinding] {
        guard let conf = nginxConf, let dump = nginxDump, let test = nginxTest else {
            return [.skip("nginx", "no nginx configuration serving \(config.spool.statusDir) found (give --nginx-conf FILE)")]
        }
        var out: [DoctorFinding] = []
        if test.status == 0 {
            out.append(.ok("nginx", "nginx -t passes for \(conf)"))
        } else {
            let why = test.output.split(separator: "\n").first { $0.contains("[emerg]") || $0.contains("failed") } ?? "nginx -t failed"
            out.append(.fail("nginx", "nginx -t fails for \(conf): \(why)", fix: "fix the line named, then `nginx -t` and reload nginx"))
        }
        let missing = ["/api/", "/status/", "/media/"].filter { !dump.hasLocation($0) }
        if missing.isEmpty {
            out.append(.ok("nginx", "our locations are there (/api/, /status/, /media/)"))
        } else {
            out.append(.fail("nginx", "locations missing: \(missing.joined(separator: ", "))",
                             fix: "include the generated sora-locations.conf inside your server { } (README: Deploying)"))
        }
        if !dump.aliases.contains(where: { $0.hasPrefix(config.spool.statusDir + "/") }) {
            out.append(.fail("nginx", "no location serves \(config.spool.statusDir): the page would poll 404s",
                             fix: "generate the locations with @STATUS_DIR@ = \(config.spool.statusDir)"))
        }
        if config.storage?.backend.rawValue ?? "local" == "local",
           !dump.aliases.contains(where: { $0.hasPrefix(config.mediaDir) }) {
            out.append(.warn("nginx", "no location serves \(config.mediaDir): finished videos would not load",
                             fix: "generate the locations with @MEDIA_DIR@ = \(config.mediaDir)"))
        }
        return out
    }

    /// nginx must be able to open every FastCGI socket (write permission on the socket, search on
    /// the folders above it), and a responder must listen there.
    func socketChecks(extra: [String]) -> [DoctorFinding] {
        let sockets = uniqued(extra + (nginxDump?.sockets ?? []))
        guard !sockets.isEmpty else {
            return [.skip("socket", "no FastCGI socket given (--socket) or found in nginx's configuration (plain CGI has none)")]
        }
        let listening = Self.listeningSockets()
        let nginx = nginxUser?.name ?? "nginx"
        return sockets.map { path in
            guard let node = Permissions.systemStat(path) else {
                return .fail("socket", "\(path) is missing: no responders", fix: "start them (systemctl start sora-fcgi@api sora-fcgi@uploads, or spawn-fcgi)")
            }
            guard node.isSocket else { return .fail("socket", "\(path) is not a socket", fix: "remove it and restart the responders") }
            if let n = nginxUser, let why = Permissions().denial(path, for: n, want: 2) {
                return .fail("socket", "nginx (\(nginx)) cannot open \(path): \(why) — nginx answers 502",
                             fix: "start the responders with spawn-fcgi -M 0660 -U \(nginx) (as sora-fcgi@.service does), or chmod/chown the socket so \(nginx) may write it")
            }
            guard listening.contains(path) else {
                return .fail("socket", "nothing listens on \(path) — nginx answers 502",
                             fix: "restart the responders (systemctl restart sora-fcgi@api sora-fcgi@uploads)")
            }
            return .ok("socket", "\(path): \(Permissions.describe(node)), nginx (\(nginx)) may open it, responders listen")
        }
    }

    /// Paths of listening Unix sockets (/proc/net/unix, flag __SO_ACCEPTCON): read, never
    /// connected to, so no responder sees a stray connection.
    static func listeningSockets() -> Set<String> {
        guard let b = FileIO.read("/proc/net/unix", limit: 16 << 20) else { return [] }
        var out = Set<String>()
        for line in String(decoding: b, as: UTF8.self).split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            guard f.count >= 8, let flags = Int(f[3], radix: 16), flags & 0x10000 != 0 else { continue }
            out.insert(String(f[7]))
        }
        return out
    }
}

func uniqued(_ a: [String]) -> [String] {
    var seen = Set<String>()
    return a.filter { seen.insert($0).inserted }
}
