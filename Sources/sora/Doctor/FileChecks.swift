#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import SoraCore

/// `sora doctor`: the configuration, the keys, the binary, the spool and the media folder.
extension DoctorContext {
    func configChecks() -> [DoctorFinding] {
        var out: [DoctorFinding] = []
        let file = configPath ?? "the environment"
        if let path = configPath, let node = Permissions.systemStat(path) {
            if node.mode & 0o004 != 0 {
                out.append(.warn("config", "\(path) is readable by every user (\(Permissions.describe(node))); it holds keys",
                                 fix: "chmod 0640 \(path); chown root:\(serviceGroup) \(path)"))
            }
            if let who = serviceUser, let why = Permissions().denial(path, for: who, want: 4) {
                out.append(.fail("config", "the service user cannot read the config file: \(why)",
                                 fix: "chown root:\(serviceGroup) \(path); chmod 0640 \(path)"))
            }
        }
        let keySettings = Set(GatewayProbe.targets(config: config).map(\.keySetting))
        let problems = config.problems.filter { !keySettings.contains($0.setting) }
        for p in problems {
            out.append(.fail("config", "\(p.setting): \(Self.withoutValue(p.message))", fix: "correct \(p.setting) in \(file)"))
        }
        if problems.isEmpty { out.append(.ok("config", "no problems in \(file)")) }
        return out
    }

    /// A problem's message without the quoted value (`(got "…")`): doctor names settings, not values.
    static func withoutValue(_ message: String) -> String {
        guard let r = message.firstRange(of: " (got \"") else { return message }
        return String(message[..<r.lowerBound])
    }

    var serviceGroup: String { serviceUser.flatMap { $0.gids.first }.map(Permissions.groupName) ?? "sora-fcgi" }

    func keyChecks() -> [DoctorFinding] {
        var out: [DoctorFinding] = []
        var byKey: [String: [String]] = [:]
        for t in GatewayProbe.targets(config: config) { byKey[t.keySetting, default: []] += t.models }
        for (setting, models) in byKey.sorted(by: { $0.key < $1.key }) {
            if config.apiKey(named: setting).isEmpty {
                out.append(.fail("key", "\(setting) is not set (used by \(models.joined(separator: ", ")))",
                                 fix: "add \(setting)=<your gateway key> to \(configPath ?? "the config file")"))
            } else {
                out.append(.ok("key", "\(setting) is set (\(models.count) models)"))
            }
        }
        return out
    }

    func binaryCheck() -> DoctorFinding {
        let bin = config.workerBinary
        guard let node = Permissions.systemStat(bin) else {
            return .fail("binary", "SORA_WORKER_BIN \(bin) is missing", fix: "point SORA_WORKER_BIN at the sora binary (e.g. /usr/bin/sora)")
        }
        if let who = serviceUser, let why = Permissions().denial(bin, for: who, want: 1) {
            return .fail("binary", "workers cannot start: \(why)", fix: "chmod 0755 \(bin)")
        }
        return .ok("binary", "workers start \(bin) (\(Permissions.describe(node)))")
    }

    /// Every spool folder must be writable by the service user; the status folder readable by nginx.
    func spoolChecks() -> [DoctorFinding] {
        let spool = config.spool
        var out: [DoctorFinding] = []
        let fixOwner = "chown -R \(serviceUser?.name ?? "sora-fcgi"):\(serviceGroup) \(spool.root)"
        guard Permissions.systemStat(spool.root) != nil else {
            return [.fail("spool", "SORA_SPOOL_DIR \(spool.root) is missing",
                          fix: "install -d -o \(serviceUser?.name ?? "sora-fcgi") -g \(serviceGroup) -m 0755 \(spool.root)")]
        }
        let dirs = [spool.root, spool.jobsDir, spool.statusDir, spool.queueDir, spool.idemDir, spool.slotsDir, spool.tmpDir,
                    spool.ledger.dir, spool.privateDir]
        var problems: [String] = []
        for d in dirs where Permissions.systemStat(d) != nil || d == spool.root {
            if let why = writable(d) { problems.append(why) }
        }
        if problems.isEmpty {
            out.append(.ok("spool", "\(spool.root) is writable by \(serviceUser?.name ?? "this user")"))
        } else {
            out.append(.fail("spool", "the service user cannot write the spool: " + problems.prefix(3).joined(separator: "; "),
                             fix: "\(fixOwner); chmod u+rwx the folders named"))
        }
        // Files left by another user (a command run as root, a restore) break later writes.
        if let who = serviceUser, who.uid != 0 {
            let foreign = ([spool.root] + dirs + FileIO.list(spool.jobsDir).sorted().suffix(200).map(spool.jobDir))
                .filter { Permissions.systemStat($0).map { $0.uid != who.uid } ?? false }
            if !foreign.isEmpty {
                out.append(.warn("spool", "\(foreign.count) spool folders are not owned by \(who.name), e.g. \(foreign[0])", fix: fixOwner))
            }
        }
        if let n = nginxUser {
            if let why = Permissions().denial(spool.statusDir, for: n, want: 5) {
                out.append(.fail("spool", "nginx (\(n.name)) cannot read the status files: \(why)",
                                 fix: "chmod 0755 \(spool.root) \(spool.statusDir) (only status/ is served; the rest stays 0700)"))
            } else {
                out.append(.ok("spool", "nginx (\(n.name)) can read \(spool.statusDir)"))
            }
        }
        return out
    }

    func mediaChecks() -> [DoctorFinding] {
        guard config.storage?.backend.rawValue ?? "local" == "local" else {
            return [.skip("media", "videos go to \(config.storage?.backend.rawValue ?? "a store"); check it with `sora-store-probe check`")]
        }
        let dir = config.mediaDir
        guard Permissions.systemStat(dir) != nil else {
            return [.fail("media", "SORA_MEDIA_DIR \(dir) is missing",
                          fix: "install -d -o \(serviceUser?.name ?? "sora-fcgi") -g \(serviceGroup) -m 0755 \(dir)")]
        }
        var out: [DoctorFinding] = []
        if let why = writable(dir) {
            out.append(.fail("media", "workers cannot store videos: \(why)", fix: "chown \(serviceUser?.name ?? "sora-fcgi") \(dir); chmod 0755 \(dir)"))
        } else {
            out.append(.ok("media", "\(dir) is writable by \(serviceUser?.name ?? "this user")"))
        }
        if let n = nginxUser, let why = Permissions().denial(dir, for: n, want: 5) {
            out.append(.fail("media", "nginx (\(n.name)) cannot serve the videos: \(why)", fix: "chmod 0755 \(dir) and the folders above it"))
        }
        return out
    }

    /// Why the service user cannot create files in `dir`, or nil. As that user (or root for
    /// root) the check is real — a probe file is made and removed, which also catches read-only
    /// mounts; for another user it is read from owners and modes.
    func writable(_ dir: String) -> String? {
        if let who = serviceUser, who.uid != geteuid() {
            return Permissions().denial(dir, for: who, want: 3)
        }
        let probe = "\(dir)/.doctor-\(getpid())"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return "cannot create a file in \(dir): \(String(cString: strerror(errno)))" }
        close(fd)
        unlink(probe)
        return nil
    }
}
