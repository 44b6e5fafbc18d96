#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc
import SoraCore
import CSpawn

/// A process as /proc shows it (for `sora doctor`: responders, reaper loops, nginx).
struct ProcessInfoEntry {
    var pid: Int32
    var uid: uid_t
    var arguments: [String]
    /// Its environment, when we may read it (root, or the same user).
    var environment: [String: String]?

    static func all() -> [ProcessInfoEntry] {
        FileIO.list("/proc").compactMap { Int32($0) }.compactMap(read)
    }

    static func read(_ pid: Int32) -> ProcessInfoEntry? {
        guard let cmd = FileIO.read("/proc/\(pid)/cmdline", limit: 1 << 16), !cmd.isEmpty,
              let status = FileIO.read("/proc/\(pid)/status", limit: 1 << 16) else { return nil }
        let args = cmd.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            .filter { !$0.isEmpty }
        var uid: uid_t = 0
        for line in String(decoding: status, as: UTF8.self).split(separator: "\n") where line.hasPrefix("Uid:") {
            uid = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first.flatMap { uid_t($0) } ?? 0
        }
        var env: [String: String]?
        if let e = FileIO.read("/proc/\(pid)/environ", limit: 1 << 20) {
            var out: [String: String] = [:]
            for item in e.split(separator: 0) {
                let s = String(decoding: item, as: UTF8.self)
                if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            }
            env = out
        }
        return ProcessInfoEntry(pid: pid, uid: uid, arguments: args, environment: env)
    }

    /// A `sora` process running `subcommand` (`fcgi`, `reap`, `worker`).
    func isSora(_ subcommand: String) -> Bool {
        arguments.count >= 2 && Path.lastComponent(arguments[0]).hasPrefix("sora") && arguments[1] == subcommand
    }

    /// Whether it reads the configuration at `path` (unknown when its environment is unreadable).
    func uses(config path: String?) -> Bool? {
        guard let environment else { return nil }
        return environment["SORA_CONFIG"].map(realpath) == path.map(realpath)
    }

    func realpath(_ p: String) -> String {
        guard let r = Glibc.realpath(p, nil) else { return p }
        defer { free(r) }
        return String(cString: r)
    }
}

/// Runs a program and collects its output (nginx -t/-T, systemctl, crontab -l).
enum Run {
    static func capture(_ arguments: [String]) -> (status: Int32, output: String)? {
        guard let exe = which(arguments[0]) else { return nil }
        // posix_spawn with the output on a pipe (Foundation's Process is not in FoundationEssentials).
        var fds: [Int32] = [-1, -1]
        guard sora_pipe_cloexec(&fds) == 0 else { return nil }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
        let argv = ([exe] + arguments.dropFirst()).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, exe, &actions, nil, argv, environ)
        close(fds[1])
        defer { close(fds[0]) }
        guard rc == 0 else { return nil }
        let data = FileIO.readFD(fds[0], limit: 16 << 20)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let exited = (status & 0x7f) == 0
        return (exited ? (status >> 8) & 0xff : 128 + (status & 0x7f), String(decoding: data, as: UTF8.self))
    }

    static func which(_ name: String) -> String? {
        if name.hasPrefix("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/usr/bin:/sbin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}
